import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type ServiceSpec } from "../../../schemas/index.js";
import { evolve, initialClusterState, SwarmError, type ClusterState } from "../../shared/pure.js";
import { decideCreateService, decideInitCluster, decideJoin, decideUpdateService, MESSAGES, type Fresh } from "./decide.js";
import { firstDifference } from "./diff.js";

const fresh: Fresh = { requestId: "r1", clusterId: "c1", nodeId: "n1", workerToken: "W", managerToken: "M" };
const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "img" } }, ...over });

type Given = Pick<Envelope, "type" | "data" | "subject">;
function given(...events: Given[]): ClusterState {
  const s = initialClusterState();
  events.forEach((e, i) => evolve(s, { seq: i + 1, event: { ...e, id: `e${i}`, at: "2026-01-01T00:00:00Z", actor: { kind: "user", id: "t" } } as Envelope }));
  return s;
}
const initialised = () => given({ type: "ClusterInitialized", subject: subjects.event("cluster", "default"),
  data: { clusterId: "c", workerToken: "W", managerToken: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } });
const code = (fn: () => unknown) => { try { fn(); } catch (e) { return e instanceof SwarmError ? [e.code, e.message] : ["?", String(e)]; } return undefined; };

describe("api deciders", () => {
  it("init: a new cluster expects version 0 and carries the defaults; a second init is refused", () => {
    const [e] = decideInitCluster(initialClusterState(), {}, fresh);
    assert.equal(e?.expect, 0);
    assert.deepEqual(e?.data, { clusterId: "c1", workerToken: "W", managerToken: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 });
    assert.deepEqual(code(() => decideInitCluster(initialised(), {}, fresh)), ["failed_precondition", MESSAGES.alreadyInSwarm]);
  });

  it("join: the token decides the role", () => {
    assert.equal((decideJoin(initialised(), { JoinToken: "M", NodeName: "a" }, fresh)[0]?.data as { role: string }).role, "manager");
    assert.equal((decideJoin(initialised(), { JoinToken: "W", NodeName: "a" }, fresh)[0]?.data as { role: string }).role, "worker");
    assert.deepEqual(code(() => decideJoin(initialised(), { JoinToken: "x", NodeName: "a" }, fresh)), ["invalid_argument", MESSAGES.badToken]);
  });

  it("create: refused before init and on a name taken by a live service", () => {
    assert.equal(code(() => decideCreateService(initialClusterState(), spec(), "s1", fresh))?.[0], "unavailable");
    const s = initialised();
    evolve(s, { seq: 2, event: { type: "ServiceCreated", subject: subjects.event("service", "s1"), id: "x", at: "t", actor: { kind: "user", id: "t" }, data: { serviceId: "s1", spec: spec() } } });
    assert.equal(code(() => decideCreateService(s, spec(), "s2", fresh))?.[0], "already_exists");
    const [u] = decideUpdateService(s, "web", 2, spec({ Mode: { Replicated: { Replicas: 4 } } }), fresh);
    assert.equal(u?.expect, 2);
    assert.deepEqual(code(() => decideUpdateService(s, "web", 1, spec(), fresh)), ["conflict", "update out of sequence"]);
    assert.deepEqual(code(() => decideUpdateService(s, "web", 2, spec({ Mode: { Global: {} } }), fresh)), ["invalid_argument", "service mode change is not allowed"]);
    assert.deepEqual(code(() => decideUpdateService(s, "web", 2, spec({ TaskTemplate: { ContainerSpec: { Image: "img", Env: ["A=1"] } } }), fresh)),
      ["invalid_argument", "changing TaskTemplate.ContainerSpec.Env is not supported yet"]);
  });

  it("firstDifference treats an absent key as undefined and names the path", () => {
    assert.equal(firstDifference({ a: 1, b: undefined }, { a: 1 }), undefined);
    assert.equal(firstDifference({ a: { b: [1, 2] } }, { a: { b: [1, 3] } }), "a.b");
  });
});
