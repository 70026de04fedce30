import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ago } from "./time.js";

// humanDuration's own cases: schemas/human-duration.test.ts.
describe("ago", () => {
  it("appends ago and treats the future as now", () => {
    const now = new Date("2026-01-01T00:00:10Z");
    assert.equal(ago("2026-01-01T00:00:05Z", now), "5 seconds ago");
    assert.equal(ago("2026-01-01T00:00:20Z", now), "Less than a second ago");
  });
  it("uses docker's long units", () => {
    assert.equal(ago("2025-01-01T00:00:00Z", new Date("2026-01-01T00:00:00Z")), "12 months ago");
  });
});
