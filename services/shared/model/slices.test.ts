import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type SingularKind, type StoredEvent } from "../../../schemas/index.js";
import { evolve, foldTable, initialClusterState, SLICE_KINDS, type ClusterState } from "./cluster-state.js";
import { parseSnapshotState, toSnapshotState } from "./snapshot.js";
import { canonicalState } from "../../../test/helpers/state.js";

/* The fold per aggregate: each slice folds and round-trips on its own; a projection may fold fewer. */

const actor = { kind: "service", id: "t" } as const;
let seq = 0;
function ev(type: Envelope["type"], kind: SingularKind, id: string, data: unknown): StoredEvent {
  seq++;
  return { seq, event: { type, subject: subjects.event(kind, id), data, id: `e${seq}`, at: new Date(seq * 1000).toISOString(), actor } as Envelope };
}
const spec = { Name: "web", TaskTemplate: { ContainerSpec: { Image: "img:1" } }, Mode: { Replicated: { Replicas: 1 } } };
function log(): StoredEvent[] {
  seq = 0;
  return [
    ev("ClusterInitialized", "cluster", "default", { clusterId: "c1", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 }),
    ev("NodeJoined", "node", "n1", { nodeId: "n1", name: "n1", role: "manager", availability: "active" }),
    ev("ServiceCreated", "service", "s1", { serviceId: "s1", spec }),
    ev("TaskCreated", "task", "t1", { taskId: "t1", serviceId: "s1", serviceName: "web", slot: 1, spec: spec.TaskTemplate, specVersion: 3, desiredState: "running", state: "pending" }),
    ev("TaskAssigned", "task", "t1", { taskId: "t1", nodeId: "n1" }),
    ev("SecretCreated", "secret", "x1", { secretId: "x1", name: "db", labels: { a: "b" }, version: 1, size: 3, hmac: "h1" }),
    ev("SecretRotated", "secret", "x1", { secretId: "x1", version: 2, size: 4, hmac: "h2" }),
    ev("ConfigCreated", "config", "c1", { configId: "c1", name: "nginx", labels: {}, version: 1, size: 9, hmac: "h3" }),
    ev("ApiTokenCreated", "apitoken", "k1", { tokenId: "k1", name: "ci", hash: "h4" }),
    ev("ApiTokenCreated", "apitoken", "k2", { tokenId: "k2", name: "old", hash: "h5" }),
    ev("ApiTokenRemoved", "apitoken", "k2", { tokenId: "k2" }),
    ev("NetworkCreated", "network", "w1", { networkId: "w1", spec: { Name: "backend", Driver: "overlay" } }),
    ev("NetworkAllocated", "network", "w1", { networkId: "w1", subnet: "10.0.1.0/24", gateway: "10.0.1.1", vni: 4097, mtu: 1450 }),
    ev("NetworkNodeAttached", "network", "w1", { networkId: "w1", nodeId: "n1", gateway: "10.0.1.2" }),
    ev("ServiceAllocated", "service", "s1", { serviceId: "s1", specVersion: 3, vips: [{ networkId: "w1", address: "10.0.1.3/24" }], ports: [] }),
    ev("TaskAllocated", "task", "t1", { taskId: "t1", networks: [{ networkId: "w1", address: "10.0.1.4/24", mac: "02:42:0a:00:01:04" }] }),
  ];
}
const fold = (kinds?: SingularKind[]) => {
  const s = initialClusterState();
  const t = foldTable(kinds);
  for (const e of log()) evolve(s, e, undefined, t);
  return s;
};
const canon = (x: object) => canonicalState(x as unknown as ClusterState);
/** The part of a state one slice owns (and what every slice shares: seq, versions). */
const part = (s: ClusterState, k: SingularKind) => ({
  cluster: { cluster: s.cluster }, node: { nodes: s.nodes }, service: { services: s.services },
  task: { tasks: s.tasks, tasksByService: s.tasksByService, createdPerSlot: s.createdPerSlot },
  secret: { secrets: s.secrets }, config: { configs: s.configs }, apitoken: { apiTokens: s.apiTokens },
  network: { networks: s.networks },
}[k]);

describe("fold slices", () => {
  it("a projection folding some slices has exactly those parts of the full fold, the others empty, every version", () => {
    const full = fold();
    const empty = initialClusterState();
    const some = fold(["node", "service"]);
    for (const k of SLICE_KINDS) {
      const want = k === "node" || k === "service" ? part(full, k) : part(empty, k);
      assert.deepEqual(canon(part(some, k)), canon(want), k);
    }
    assert.deepEqual([...some.versions], [...full.versions]);
    assert.equal(some.seq, full.seq);
  });

  it("each slice's codec round-trips its part alone; the snapshot holds only the slices asked for", () => {
    const full = fold();
    for (const k of SLICE_KINDS) {
      const json = JSON.parse(JSON.stringify(toSnapshotState(full, [k])));
      const back = parseSnapshotState(json, [k])!;
      assert.ok(back, k);
      assert.deepEqual(canon(part(back, k)), canon(part(full, k)), k);
      for (const other of SLICE_KINDS.filter((o) => o !== k)) {
        assert.deepEqual(canon(part(back, other)), canon(part(initialClusterState(), other)), `${k}: ${other} left empty`);
      }
    }
    const onlyNodes = toSnapshotState(full, ["node"]) as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(onlyNodes).sort(), ["nodes", "seq", "versions"]);
  });

  it("a slice whose part does not parse refuses the snapshot only when that slice is asked for", () => {
    const json = { ...JSON.parse(JSON.stringify(toSnapshotState(fold()))), tasks: "not a list" };
    assert.equal(parseSnapshotState(json), undefined);
    assert.ok(parseSnapshotState(json, ["cluster", "node", "service"]));
  });
});
