import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type ServiceSpec } from "../../../schemas/index.js";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import {
  decideCreateService, decideInitCluster, decideJoin, decideRemoveService, decideRollbackService, decideScaleControlPlane, decideUpdateCluster, decideUpdateService,
  decideRotateJoinToken, MESSAGES, type Fresh, type InitKeys,
} from "./decide.js";
import { withDefaults } from "./defaults.js";

const fresh: Fresh = { requestId: "r1", clusterId: "c1", nodeId: "n1" };
const keys: InitKeys = { workerTokenHash: "W", managerTokenHash: "M", caCert: "CA", caDigest: "D" };
const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "img" } }, ...over });

type Given = Pick<Envelope, "type" | "data" | "subject">;
function given(...events: Given[]): ClusterState {
  const s = initialClusterState();
  events.forEach((e, i) => evolve(s, { seq: i + 1, event: { ...e, id: `e${i}`, at: "2026-01-01T00:00:00Z", actor: { kind: "user", id: "t" } } as Envelope }));
  return s;
}
const initialised = () => given({ type: "ClusterInitialized", subject: subjects.event("cluster", "default"),
  data: { clusterId: "c", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } });
const code = (fn: () => unknown) => { try { fn(); } catch (e) { return e instanceof SwarmError ? [e.code, e.message] : ["?", String(e)]; } return undefined; };

describe("api deciders", () => {
  it("init: a new cluster expects version 0 and carries the defaults; a second init is refused", () => {
    const [e] = decideInitCluster(initialClusterState(), {}, fresh, keys);
    assert.equal(e?.expect, 0);
    assert.deepEqual(e?.data, { clusterId: "c1", workerTokenHash: "W", managerTokenHash: "M", caCert: "CA", caDigest: "D", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 });
    assert.deepEqual(code(() => decideInitCluster(initialised(), {}, fresh, keys)), ["failed_precondition", MESSAGES.alreadyInSwarm]);
  });

  it("--cert-expiry: recorded at init and by an update (and an update naming only it appends)", () => {
    assert.equal((decideInitCluster(initialClusterState(), { NodeCertExpiryMs: 7_200_000 }, fresh, keys)[0]?.data as { nodeCertExpiryMs?: number }).nodeCertExpiryMs, 7_200_000);
    assert.equal("nodeCertExpiryMs" in (decideInitCluster(initialClusterState(), {}, fresh, keys)[0]?.data as object), false);
    const [u] = decideUpdateCluster(initialised(), { NodeCertExpiryMs: 7_200_000 }, undefined, fresh);
    assert.equal((u?.data as { nodeCertExpiryMs?: number }).nodeCertExpiryMs, 7_200_000);
  });

  it("rotate a join token: the next generation only, at the cluster's version; the other role keeps its token", () => {
    const s = initialised();
    const [e] = decideRotateJoinToken(s, "worker", { generation: 2, tokenHash: "W2" }, fresh);
    assert.deepEqual([e?.type, e?.expect, e?.data], ["ClusterJoinTokenRotated", 1, { role: "worker", generation: 2, tokenHash: "W2" }]);
    assert.deepEqual(code(() => decideRotateJoinToken(s, "worker", { generation: 3, tokenHash: "W3" }, fresh)), ["conflict", MESSAGES.outOfSequence]);
    assert.equal(code(() => decideRotateJoinToken(initialClusterState(), "worker", { generation: 2, tokenHash: "W2" }, fresh))?.[0], "unavailable");
    const init = { type: "ClusterInitialized", subject: subjects.event("cluster", "default"),
      data: { clusterId: "c", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } } as Given;
    const after = given(init, { type: e!.type, data: e!.data, subject: subjects.event("cluster", "default") } as Given);
    assert.deepEqual(after.cluster?.joinTokens, { worker: { hash: "W2", generation: 2 }, manager: { hash: "M", generation: 1 } });
  });

  it("join: the token's role (checked by the app layer's TokenBook) is recorded; refused before init", () => {
    assert.equal((decideJoin(initialised(), { JoinToken: "M", NodeName: "a" }, "manager", fresh)[0]?.data as { role: string }).role, "manager");
    assert.equal((decideJoin(initialised(), { JoinToken: "W", NodeName: "a" }, "worker", fresh)[0]?.data as { role: string }).role, "worker");
    assert.equal(code(() => decideJoin(initialClusterState(), { JoinToken: "W", NodeName: "a" }, "worker", fresh))?.[0], "unavailable");
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
    assert.deepEqual(code(() => decideUpdateService(s, "web", 2, spec({ Mode: { ReplicatedJob: {} } }), fresh)), ["invalid_argument", "service mode change is not allowed"]);
    assert.deepEqual(code(() => decideUpdateService(s, "web", 2, spec({ Name: "api" }), fresh)), ["invalid_argument", "renaming services is not supported"]);
  });

  it("update: any other change is accepted; the fold keeps the previous spec", () => {
    const s = withService();
    const next = spec({ TaskTemplate: { ContainerSpec: { Image: "img:2", Env: ["A=1"] } }, UpdateConfig: { Delay: 1e9 } });
    const [u] = decideUpdateService(s, "s1", 2, next, fresh);
    assert.deepEqual([u?.type, u?.data], ["ServiceUpdated", { serviceId: "s1", spec: next }]);
    evolve(s, stored(3, u!));
    assert.equal(s.services.get("s1")?.previousSpec?.TaskTemplate.ContainerSpec.Image, "img");
  });

  it("rollback: refused without a previous spec, else swaps at the current version", () => {
    const s = withService();
    assert.deepEqual(code(() => decideRollbackService(s, "web", 2, fresh)), ["failed_precondition", "service s1 does not have a previous spec"]);
    evolve(s, stored(3, decideUpdateService(s, "web", 2, spec({ TaskTemplate: { ContainerSpec: { Image: "img:2" } } }), fresh)[0]!));
    assert.deepEqual(code(() => decideRollbackService(s, "web", 2, fresh)), ["conflict", "update out of sequence"]);
    const [r] = decideRollbackService(s, "web", 3, fresh);
    assert.deepEqual([r?.type, r?.expect], ["ServiceRollbackRequested", 3]);
    evolve(s, stored(4, r!));
    const v = s.services.get("s1")!;
    assert.deepEqual([v.spec.TaskTemplate.ContainerSpec.Image, v.previousSpec?.TaskTemplate.ContainerSpec.Image], ["img", "img:2"]);
    assert.equal(v.updateStatus?.message, "manually requested rollback");
  });

  it("remove: at the service's version, naming it (a reader of the log from after its create names it)", () => {
    const [e] = decideRemoveService(withService(), "web", fresh);
    assert.deepEqual([e?.type, e?.expect, e?.data], ["ServiceRemoved", 2, { serviceId: "s1", name: "web" }]);
  });

  it("swarm update: names only what changes; nothing when nothing is asked", () => {
    const [e] = decideUpdateCluster(initialised(), { TaskHistoryRetentionLimit: 2 }, undefined, fresh);
    assert.deepEqual([e?.type, e?.expect, e?.data], ["ClusterUpdated", 1, { heartbeatPeriodMs: undefined, taskHistoryLimit: 2 }]);
    assert.deepEqual(decideUpdateCluster(initialised(), {}, undefined, fresh), []);
    assert.deepEqual(code(() => decideUpdateCluster(initialised(), { HeartbeatPeriodMs: 1 }, 7, fresh)), ["conflict", "update out of sequence"]);
  });

  it("control-plane scale: records only the counts that change; the fold merges them", () => {
    const s = initialised();
    const [e] = decideScaleControlPlane(s, { Scale: { scheduler: 2, dispatcher: 3 } }, fresh);
    assert.deepEqual([e?.type, e?.expect, e?.data], ["ClusterUpdated", 1, { controlPlane: { scheduler: 2, dispatcher: 3 } }]);
    evolve(s, { seq: 2, event: { type: "ClusterUpdated", subject: subjects.event("cluster", "default"), id: "x", at: "t", actor: { kind: "user", id: "t" }, data: e!.data } as Envelope });
    assert.deepEqual(decideScaleControlPlane(s, { Scale: { scheduler: 2 } }, fresh), []);
    const [e2] = decideScaleControlPlane(s, { Scale: { scheduler: 1, dispatcher: 3 } }, fresh);
    assert.deepEqual([e2?.expect, e2?.data], [2, { controlPlane: { scheduler: 1 } }]);
    evolve(s, { seq: 3, event: { type: "ClusterUpdated", subject: subjects.event("cluster", "default"), id: "y", at: "t", actor: { kind: "user", id: "t" }, data: e2!.data } as Envelope });
    assert.deepEqual(s.cluster?.controlPlane, { scheduler: 1, dispatcher: 3 });
    assert.equal(code(() => decideScaleControlPlane(initialClusterState(), { Scale: { scheduler: 2 } }, fresh))?.[0], "unavailable");
  });

  it("insertDefaults fills unset fields only", () => {
    const d = withDefaults(spec({ UpdateConfig: { Parallelism: 3 }, TaskTemplate: { ContainerSpec: { Image: "img" }, RestartPolicy: { Condition: "none" } } }));
    assert.deepEqual(d.UpdateConfig, { Parallelism: 3, Delay: 0, FailureAction: "pause", Monitor: 5e9, MaxFailureRatio: 0, Order: "stop-first" });
    assert.equal(d.RollbackConfig?.Parallelism, 1);
    assert.deepEqual(d.TaskTemplate.RestartPolicy, { Condition: "none", Delay: 5e9, MaxAttempts: 0, Window: 0 });
    assert.equal(d.TaskTemplate.ContainerSpec.StopGracePeriod, 10e9);
    assert.equal(d.EndpointSpec?.Mode, "vip");
  });
});

function stored(seq: number, p: { type: string; data: unknown; kind: string; aggregateId: string }): { seq: number; event: Envelope } {
  return { seq, event: { type: p.type, data: p.data, subject: subjects.event(p.kind as "service", p.aggregateId), id: `x${seq}`, at: "t", actor: { kind: "user", id: "t" } } as Envelope };
}

function withService(): ClusterState {
  const s = initialised();
  evolve(s, stored(2, { type: "ServiceCreated", kind: "service", aggregateId: "s1", data: { serviceId: "s1", spec: spec() } }));
  return s;
}
