import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeEvent, joinTokenHash } from "../index.js";

describe("ClusterInitialized v2", () => {
  const v1 = {
    id: "e1", type: "ClusterInitialized", subject: "swarm.evt.cluster.default", at: "2026-01-01T00:00:00Z",
    actor: { kind: "user", id: "local" },
    data: { clusterId: "c", workerToken: "SWMTKN-1-w", managerToken: "SWMTKN-1-m", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 },
  };

  it("a v1 event (no `v`, tokens in clear) reads as v2 with only the tokens' hashes", () => {
    const r = decodeEvent(v1);
    assert.ok(r.ok, r.ok ? "" : r.why);
    assert.deepEqual(r.event.data, {
      clusterId: "c", workerTokenHash: joinTokenHash("SWMTKN-1-w"), managerTokenHash: joinTokenHash("SWMTKN-1-m"), heartbeatPeriodMs: 2000, taskHistoryLimit: 5,
    });
    assert.equal(r.event.v, 2);
    assert.equal(decodeEvent({ ...v1, v: 1 }).ok, true);
  });

  it("a v2 event must carry the hashes", () => {
    const r = decodeEvent({ ...v1, v: 2 });
    assert.equal(r.ok, false);
    assert.match(r.ok ? "" : r.why, /workerTokenHash/);
  });
});
