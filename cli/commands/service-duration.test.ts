import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { durationFlag, formatGoDuration, parseGoDuration } from "./service-duration.js";

describe("Go durations", () => {
  it("parses Go's forms into nanoseconds", () => {
    const table: [string, number][] = [
      ["0", 0], ["10s", 10e9], ["1m30s", 90e9], ["500ms", 5e8], ["1.5s", 1.5e9], ["2h", 7200e9], ["1us", 1e3], ["3ns", 3], ["-1s", -1e9], [".5s", 5e8],
    ];
    for (const [text, ns] of table) assert.equal(parseGoDuration(text), ns, text);
  });
  it("refuses bad values with Go's words, naming the flag", () => {
    assert.throws(() => durationFlag("--update-delay", "x"), { message: `invalid argument "x" for "--update-delay" flag: time: invalid duration "x"` });
    assert.throws(() => durationFlag("--update-delay", "10"), { message: `invalid argument "10" for "--update-delay" flag: time: missing unit in duration "10"` });
    assert.throws(() => durationFlag("--restart-delay", "5y"), { message: `invalid argument "5y" for "--restart-delay" flag: time: unknown unit "y" in duration "5y"` });
    assert.throws(() => durationFlag("--update-monitor", "-2s"), /"--update-monitor" flag: must not be negative/);
    assert.throws(() => durationFlag("--update-monitor", ""), /invalid duration/);
  });
  it("formats as Go's Duration.String", () => {
    const table: [number, string][] = [[0, "0s"], [5e8, "500ms"], [10e9, "10s"], [90e9, "1m30s"], [3600e9, "1h0m0s"], [1.5e9, "1.5s"], [2e3, "2µs"]];
    for (const [ns, text] of table) assert.equal(formatGoDuration(ns), text);
  });
});
