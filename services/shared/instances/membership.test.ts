import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { startingRole } from "./membership.js";

describe("membership's starting role", () => {
  it("is what the roster says the service's instances are before they report", () => {
    assert.deepEqual(
      ["scheduler", "orchestrator", "dispatcher", "api", "agent"].map(startingRole),
      ["standby", "partitions", "partitions", "all", "all"],
    );
  });
});
