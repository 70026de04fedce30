import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { replayEnvelope } from "./replay-envelope.js";
import { joinTokenHash } from "../../../schemas/index.js";
import { bytes, smallLog } from "../core/audit-test-fixture.js";

describe("replay envelope (the fast path)", () => {
  const log = smallLog().log;
  it("every event of a legal log decodes to the same value as written", () => {
    for (const m of log) assert.deepEqual(replayEnvelope(bytes(m.event)), m.event, m.event.type);
  });
  it("skips what the fold cannot use: not JSON, an unknown type, a spec that fails its schema, ids that are not strings", () => {
    const enc = new TextEncoder();
    const e = (i: number) => structuredClone(log[i]!.event) as any;
    const cases: [string, Uint8Array][] = [
      ["not json", enc.encode("{oops")],
      ["unknown type", bytes({ ...e(5), type: "TaskTeleported" })],
      ["prototype key as type", bytes({ ...e(5), type: "toString" })],
      ["spec without an image", bytes({ ...e(3), data: { serviceId: "s1", spec: { Name: "web", TaskTemplate: { ContainerSpec: {} } } } })],
      ["a task spec without an image", bytes({ ...e(4), data: { ...e(4).data, spec: { ContainerSpec: {} } } })],
      ["a task without its slot", bytes({ ...e(4), data: { ...e(4).data, slot: "1" } })],
      ["task id a number", bytes({ ...e(5), data: { taskId: 5, nodeId: "n1" } })],
      ["no data", bytes({ ...e(6), data: null })],
      ["no subject", bytes({ ...e(6), subject: undefined })],
    ];
    for (const [what, b] of cases) assert.equal(replayEnvelope(b), undefined, what);
  });
});

describe("replay envelope: older versions", () => {
  it("a v1 ClusterInitialized (tokens in clear, no `v`) is upcast on the fast path too", () => {
    const v1 = {
      id: "e1", type: "ClusterInitialized", subject: "swarm.evt.cluster.default", at: "2026-01-01T00:00:00Z", actor: { kind: "user", id: "local" },
      data: { clusterId: "c", workerToken: "W", managerToken: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 },
    };
    const e = replayEnvelope(JSON.stringify(v1));
    assert.equal((e?.data as { workerTokenHash?: string }).workerTokenHash, joinTokenHash("W"));
    assert.equal("workerToken" in (e?.data as object), false);
  });
});
