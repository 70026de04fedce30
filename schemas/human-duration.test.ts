import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { humanDuration } from "./human-duration.js";

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

describe("humanDuration: docker's wording and boundaries (go-units HumanDuration)", () => {
  const cases: [number, string][] = [
    [-5 * S, "Less than a second"], [0, "Less than a second"], [999, "Less than a second"],
    [S, "1 second"], [1999, "1 second"], [2 * S, "2 seconds"], [59 * S + 999, "59 seconds"],
    // Minutes are truncated: a minute and 59 seconds is still "About a minute".
    [MIN, "About a minute"], [2 * MIN - 1, "About a minute"], [2 * MIN, "2 minutes"], [35 * MIN + 40 * S, "35 minutes"], [H - 1, "59 minutes"],
    // Hours are rounded: 1 h 29 min is "About an hour", 1 h 31 min is "2 hours".
    [H, "About an hour"], [H + 29 * MIN, "About an hour"], [H + 31 * MIN, "2 hours"], [3 * H + 31 * MIN, "4 hours"],
    [DAY, "24 hours"], [DAY + 12 * H, "36 hours"], [47 * H + 29 * MIN, "47 hours"], [47 * H + 30 * MIN, "2 days"],
    [2 * DAY, "2 days"], [13 * DAY + 5 * H, "13 days"], [2 * WEEK - H, "13 days"],
    [2 * WEEK, "2 weeks"], [2 * WEEK + 4 * DAY, "2 weeks"], [MONTH, "4 weeks"], [MONTH + 2 * WEEK, "6 weeks"], [2 * MONTH - H, "8 weeks"],
    [2 * MONTH, "2 months"], [3 * MONTH + WEEK, "3 months"], [400 * DAY, "13 months"], [24 * MONTH, "24 months"], [2 * YEAR - H, "24 months"],
    [2 * YEAR, "2 years"], [24 * MONTH + 2 * WEEK, "2 years"], [3 * YEAR + 2 * MONTH, "3 years"], [10 * YEAR, "10 years"],
  ];
  for (const [ms, want] of cases) it(`${ms} ms → ${want}`, () => assert.equal(humanDuration(ms), want));

  it("keeps the short end docker ps prints (the api's former cases)", () => {
    assert.deepEqual([500, 1000, 30_000, 60_000, 180_000, 3_600_000, 7_200_000].map(humanDuration),
      ["Less than a second", "1 second", "30 seconds", "About a minute", "3 minutes", "About an hour", "2 hours"]);
  });
});
