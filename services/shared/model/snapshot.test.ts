import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type StoredEvent } from "../../../schemas/index.js";
import { evolve, initialClusterState, type ClusterState } from "./cluster-state.js";
import { fromSnapshotState, parseSnapshotState, toSnapshotState } from "./snapshot.js";
import { stringifySliced } from "../projection/index.js";
import { canonicalState } from "../../../test/helpers/state.js";

const actor = { kind: "service", id: "t" } as const;
let seq = 0;
function ev(type: Envelope["type"], kind: "cluster" | "node" | "service" | "task", id: string, data: unknown): StoredEvent {
  seq++;
  return { seq, event: { type, subject: subjects.event(kind, id), data, id: `e${seq}`, at: new Date(seq * 1000).toISOString(), actor } as Envelope };
}
const spec = { Name: "web", TaskTemplate: { ContainerSpec: { Image: "img:1" } }, Mode: { Replicated: { Replicas: 2 } } };
const spec2 = { ...spec, TaskTemplate: { ContainerSpec: { Image: "img:2" } } };
const task = (taskId: string, slot: number) => ({
  taskId, serviceId: "s1", serviceName: "web", slot, spec: spec.TaskTemplate, specVersion: 3, desiredState: "running", state: "pending",
});
const status = (taskId: string, state: string, extra: object = {}) => ({ taskId, state, message: state, timestamp: new Date(0).toISOString(), ...extra });

/** Given: a cluster with nodes, a service updated and rolled back, tasks in every phase, one deleted. */
function given(): StoredEvent[] {
  seq = 0;
  return [
    ev("ClusterInitialized", "cluster", "c1", { clusterId: "c1", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 }),
    ev("NodeJoined", "node", "n1", { nodeId: "n1", name: "n1", role: "manager", availability: "active" }),
    ev("NodeRegistered", "node", "n1", { nodeId: "n1", addr: "10.0.0.1", description: { hostname: "h", os: "linux", architecture: "x86_64", nanoCpus: 2e9, memoryBytes: 1e9, engineVersion: "27", engineLabels: { a: "b" } } }),
    ev("NodeStatusChanged", "node", "n1", { nodeId: "n1", state: "ready", message: "" }),
    ev("NodeJoined", "node", "n2", { nodeId: "n2", name: "n2", role: "worker", availability: "drain" }),
    ev("ServiceCreated", "service", "s1", { serviceId: "s1", spec }),
    ev("TaskCreated", "task", "t1", task("t1", 1)),
    ev("TaskCreated", "task", "t2", task("t2", 2)),
    ev("TaskAssigned", "task", "t1", { taskId: "t1", nodeId: "n1" }),
    ev("TaskStatusChanged", "task", "t1", status("t1", "running", { containerId: "c-1", ports: [{ Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }] })),
    ev("TaskUnschedulable", "task", "t2", { taskId: "t2", err: "no suitable node" }),
    ev("ServiceUpdated", "service", "s1", { serviceId: "s1", spec: spec2 }),
    ev("ServiceUpdateStatusChanged", "service", "s1", { serviceId: "s1", state: "updating", message: "update in progress" }),
    ev("TaskDesiredStateChanged", "task", "t1", { taskId: "t1", desiredState: "shutdown" }),
    ev("TaskStatusChanged", "task", "t1", status("t1", "shutdown", { exitCode: 0 })),
    ev("TaskCreated", "task", "t3", { ...task("t3", 1), replaces: "t1", restartAt: new Date(5000).toISOString() }),
    ev("TaskDeleted", "task", "t1", { taskId: "t1" }),
    ev("ServiceRollbackRequested", "service", "s1", { serviceId: "s1" }),
    ev("ClusterUpdated", "cluster", "c1", { taskHistoryLimit: 3, controlPlane: { api: 2 } }),
  ];
}
/** When: more events, applied to both the folded and the restored state. */
function when(): StoredEvent[] {
  return [
    ev("TaskAssigned", "task", "t3", { taskId: "t3", nodeId: "n1" }),
    ev("TaskStatusChanged", "task", "t3", status("t3", "running")),
    ev("NodeUpdated", "node", "n2", { nodeId: "n2", role: "worker", availability: "active", labels: { zone: "a" } }),
    ev("TaskCreated", "task", "t4", task("t4", 3)),
    ev("ServiceRemoved", "service", "s1", { serviceId: "s1" }),
  ];
}
const fold = (s: ClusterState, events: StoredEvent[]) => { for (const e of events) evolve(s, e); return s; };
/** What the snapshot store does: JSON text and back, parsed. */
const roundTrip = (s: ClusterState) => parseSnapshotState(JSON.parse(JSON.stringify(toSnapshotState(s))));

describe("projection snapshot codec", () => {
  it("a restored snapshot equals the fold it was taken from, and folds on identically", () => {
    const folded = fold(initialClusterState(), given());
    const restored = roundTrip(folded);
    assert.ok(restored, "the snapshot parses");
    assert.deepEqual(canonicalState(restored), canonicalState(folded));
    assert.equal(restored.seq, 19);
    assert.deepEqual([...restored.tasks.keys()], ["t2", "t3"], "map order kept (t1 deleted)");
    assert.deepEqual([...restored.tasksByService.get("s1")!], ["t2", "t3"]);

    const more = when();
    fold(folded, more);
    fold(restored, more);
    assert.deepEqual(canonicalState(restored), canonicalState(folded));
    assert.equal(restored.tasks.get("t3")?.state, "running");
    assert.equal(restored.services.get("s1")?.removed, true);
  });

  it("the sliced serializer writes exactly JSON.stringify's text", async () => {
    const cut = toSnapshotState(fold(initialClusterState(), given()));
    for (const slice of [1, 2, 3, 1000]) assert.equal(await stringifySliced(cut, slice), JSON.stringify(cut), `slice ${slice}`);
    assert.equal(await stringifySliced({}), "{}");
    assert.equal(await stringifySliced({ a: undefined, b: [] }, 1), JSON.stringify({ a: undefined, b: [] }));
  });

  it("the empty state round-trips", () => {
    const s = initialClusterState();
    assert.deepEqual(canonicalState(roundTrip(s)!), canonicalState(s));
  });

  it("a view field the codec does not know is carried through, not dropped", () => {
    const folded = fold(initialClusterState(), given());
    const data = toSnapshotState(folded);
    const withExtra = { ...data, tasks: data.tasks.map((t) => ({ ...t, futureField: 7 })) };
    const restored = parseSnapshotState(JSON.parse(JSON.stringify(withExtra)));
    assert.equal((restored?.tasks.get("t2") as unknown as { futureField?: number }).futureField, 7);
  });

  it("a snapshot that does not parse is refused, not half-loaded", () => {
    const data = toSnapshotState(fold(initialClusterState(), given())) as unknown as Record<string, unknown>;
    assert.equal(parseSnapshotState({ ...data, tasks: [{ id: "t9" }] }), undefined);
    assert.equal(parseSnapshotState({ ...data, versions: "nope" }), undefined);
    assert.equal(parseSnapshotState(null), undefined);
  });

  it("the canonical form tells states apart (the equality above can fail)", () => {
    const a = fold(initialClusterState(), given());
    const b = fromSnapshotState(toSnapshotState(a));
    b.tasks.set("t2", { ...b.tasks.get("t2")!, state: "assigned" });
    assert.notDeepEqual(canonicalState(b), canonicalState(a));
  });
});
