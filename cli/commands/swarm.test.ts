import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseSwarmSettings } from "./swarm.js";

describe("swarm init/update settings flags", () => {
  it("turns --dispatcher-heartbeat and --task-history-limit into the api's fields", () => {
    assert.deepEqual(parseSwarmSettings({ dispatcherHeartbeat: "1s500ms", taskHistoryLimit: "-1" }), { HeartbeatPeriodMs: 1500, TaskHistoryRetentionLimit: -1 });
    assert.deepEqual(parseSwarmSettings({}), { HeartbeatPeriodMs: undefined, TaskHistoryRetentionLimit: undefined });
  });

  it("names the flag of a bad value", () => {
    assert.throws(() => parseSwarmSettings({ taskHistoryLimit: "five" }), /invalid argument "five" for "--task-history-limit" flag/);
    assert.throws(() => parseSwarmSettings({ dispatcherHeartbeat: "soon" }), /"--dispatcher-heartbeat" flag/);
    assert.throws(() => parseSwarmSettings({ certExpiry: "long" }), /"--cert-expiry" flag/);
  });

  it("--cert-expiry is sent in milliseconds", () => {
    assert.deepEqual(parseSwarmSettings({ certExpiry: "2160h" }).NodeCertExpiryMs, 2160 * 3600_000);
  });
});
