import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ago, humanDuration } from "./time.js";

describe("humanDuration", () => {
  const cases: [number, string][] = [
    [0, "Less than a second"], [999, "Less than a second"], [1000, "1 second"], [5_400, "5 seconds"],
    [59_999, "59 seconds"], [60_000, "About a minute"], [119_000, "About a minute"], [120_000, "2 minutes"],
    [59 * 60_000, "59 minutes"], [60 * 60_000, "About an hour"], [5 * 3_600_000, "5 hours"], [47 * 3_600_000, "47 hours"],
    [3 * 86_400_000, "3 days"], [21 * 86_400_000, "3 weeks"], [90 * 86_400_000, "3 months"], [3 * 365 * 86_400_000, "3 years"],
  ];
  for (const [ms, want] of cases) it(`${ms} ms → ${want}`, () => assert.equal(humanDuration(ms), want));
  it("ago() appends ago and treats the future as now", () => {
    const now = new Date("2026-01-01T00:00:10Z");
    assert.equal(ago("2026-01-01T00:00:05Z", now), "5 seconds ago");
    assert.equal(ago("2026-01-01T00:00:20Z", now), "Less than a second ago");
  });
});
