import { test } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope } from "../../../schemas/index.js";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { decideAutolock } from "./autolock-decide.js";

const CHECK_A = "a".repeat(64);
const CHECK_B = "b".repeat(64);
const CLUSTER = subjects.event("cluster", "default");

type Given = Pick<Envelope, "type" | "data" | "subject">;
function given(...events: Given[]): ClusterState {
  const s = initialClusterState();
  events.forEach((e, i) => evolve(s, { seq: i + 1, event: { ...e, id: `e${i}`, at: "2026-01-01T00:00:00Z", actor: { kind: "user", id: "t" } } as Envelope }));
  return s;
}
const init: Given = { type: "ClusterInitialized", subject: CLUSTER, data: { clusterId: "c", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } };
const locked = (keyCheck: string): Given => ({ type: "ClusterAutolockChanged", subject: CLUSTER, data: { enabled: true, keyCheck } });

test("autolock on records the key's check (never the key), expecting the cluster's version", () => {
  const [e, ...rest] = decideAutolock(given(init), CHECK_A, { requestId: "r1" });
  assert.equal(rest.length, 0);
  assert.deepEqual([e?.type, e?.data, e?.expect], ["ClusterAutolockChanged", { enabled: true, keyCheck: CHECK_A }, 1]);
});

test("the fold keeps the current check: rotation records the new one, off records none, the same state appends nothing", () => {
  const s = given(init, locked(CHECK_A));
  assert.equal(s.cluster?.autolockKeyCheck, CHECK_A);
  assert.deepEqual(decideAutolock(s, CHECK_B, { requestId: "r" })[0]?.data, { enabled: true, keyCheck: CHECK_B });
  assert.deepEqual(decideAutolock(s, undefined, { requestId: "r" })[0]?.data, { enabled: false });
  assert.deepEqual(decideAutolock(s, CHECK_A, { requestId: "r" }), []);
  assert.deepEqual(decideAutolock(given(init), undefined, { requestId: "r" }), []);
  const off = given(init, locked(CHECK_A), { type: "ClusterAutolockChanged", subject: CLUSTER, data: { enabled: false } });
  assert.equal(off.cluster?.autolockKeyCheck, undefined);
});

test("without a cluster there is nothing to lock", () => {
  assert.throws(() => decideAutolock(initialClusterState(), CHECK_A, { requestId: "r" }), /not a swarm manager/);
});
