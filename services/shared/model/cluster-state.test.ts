import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type StoredEvent } from "../../../schemas/index.js";
import { evolve, initialClusterState, slotKey, tasksOfService, versionOf } from "./cluster-state.js";

const actor = { kind: "service", id: "t" } as const;
let seq = 0;
function ev(e: Omit<Envelope, "id" | "at" | "actor">): StoredEvent {
  seq++;
  return { seq, event: { ...e, id: `e${seq}`, at: new Date(seq * 1000).toISOString(), actor } as Envelope };
}
const spec = { Name: "web", TaskTemplate: { ContainerSpec: { Image: "img" } } };
function fold(events: StoredEvent[]) {
  const s = initialClusterState();
  for (const e of events) evolve(s, e);
  return s;
}
const created = (taskId: string, slot: number) => ev({
  type: "TaskCreated", subject: subjects.event("task", taskId),
  data: { taskId, serviceId: "s1", serviceName: "web", slot, spec: spec.TaskTemplate, specVersion: 1, desiredState: "running", state: "pending" },
});
const status = (taskId: string, state: "running" | "starting" | "failed") => ev({
  type: "TaskStatusChanged", subject: subjects.event("task", taskId),
  data: { taskId, state, message: state, timestamp: new Date(0).toISOString() },
});

describe("cluster fold", () => {
  it("tracks each aggregate's version as the sequence of its last event", () => {
    seq = 0;
    const evs = [ev({ type: "ServiceCreated", subject: subjects.event("service", "s1"), data: { serviceId: "s1", spec } }), created("t1", 1), created("t2", 2), status("t1", "running")];
    const s = fold(evs);
    assert.equal(versionOf(s, subjects.event("service", "s1")), 1);
    assert.equal(versionOf(s, subjects.event("task", "t1")), 4);
    assert.equal(versionOf(s, subjects.event("task", "t2")), 3);
    assert.equal(versionOf(s, subjects.event("task", "nope")), 0);
    assert.equal(s.services.get("s1")?.specVersion, 1);
    assert.equal(tasksOfService(s, "s1").length, 2);
  });

  it("moves task state only forward and never lowers desired state", () => {
    seq = 0;
    const s = fold([
      created("t1", 1), status("t1", "running"), status("t1", "starting"),
      ev({ type: "TaskDesiredStateChanged", subject: subjects.event("task", "t1"), data: { taskId: "t1", desiredState: "remove" } }),
      ev({ type: "TaskDesiredStateChanged", subject: subjects.event("task", "t1"), data: { taskId: "t1", desiredState: "shutdown" } }),
    ]);
    assert.equal(s.tasks.get("t1")?.state, "running");
    assert.equal(s.tasks.get("t1")?.desiredState, "remove");
  });

  it("counts tasks created per slot even after they are deleted (seeds stable task ids)", () => {
    seq = 0;
    const s = fold([created("t1", 1), created("t2", 1), ev({ type: "TaskDeleted", subject: subjects.event("task", "t1"), data: { taskId: "t1" } })]);
    assert.equal(s.createdPerSlot.get(slotKey("s1", 1)), 2);
    assert.equal(s.tasks.has("t1"), false);
    assert.deepEqual(tasksOfService(s, "s1").map((t) => t.id), ["t2"]);
  });

  it("ignores an event it has already applied (replay after a live follow is idempotent)", () => {
    seq = 0;
    const e1 = created("t1", 1);
    const s = fold([e1, status("t1", "running")]);
    evolve(s, e1);
    assert.equal(s.tasks.get("t1")?.state, "running");
    assert.equal(s.seq, 2);
  });

  it("is lenient: events about unknown aggregates change nothing and do not throw", () => {
    seq = 0;
    const s = fold([status("ghost", "running"), ev({ type: "NodeStatusChanged", subject: subjects.event("node", "n0"), data: { nodeId: "n0", state: "ready", message: "" } })]);
    assert.equal(s.tasks.size, 0);
    assert.equal(s.nodes.size, 0);
  });

  it("keeps the previous spec; a manual rollback swaps, an automatic one restores and clears it", () => {
    seq = 0;
    const v2 = { ...spec, TaskTemplate: { ContainerSpec: { Image: "img:2" } } };
    const svc = subjects.event("service", "s1");
    const s = fold([
      ev({ type: "ServiceCreated", subject: svc, data: { serviceId: "s1", spec } }),
      ev({ type: "ServiceUpdated", subject: svc, data: { serviceId: "s1", spec: v2 } }),
      ev({ type: "ServiceUpdateStatusChanged", subject: svc, data: { serviceId: "s1", state: "updating", message: "update in progress" } }),
    ]);
    assert.equal(s.services.get("s1")?.previousSpec?.TaskTemplate.ContainerSpec.Image, "img");
    assert.equal(s.services.get("s1")?.updateStatus?.state, "updating");
    assert.ok(s.services.get("s1")?.updateStatus?.startedAt);
    evolve(s, ev({ type: "ServiceRollbackRequested", subject: svc, data: { serviceId: "s1" } }));
    const manual = s.services.get("s1")!;
    assert.equal(manual.spec.TaskTemplate.ContainerSpec.Image, "img");
    assert.equal(manual.previousSpec?.TaskTemplate.ContainerSpec.Image, "img:2");
    assert.deepEqual([manual.updateStatus?.state, manual.updateStatus?.message], ["rollback_started", "manually requested rollback"]);
    assert.equal(manual.specVersion, 4);
    evolve(s, ev({ type: "ServiceUpdateRolledBack", subject: svc, data: { serviceId: "s1", message: "update rolled back due to failure or early termination of task t9" } }));
    const auto = s.services.get("s1")!;
    assert.equal(auto.spec.TaskTemplate.ContainerSpec.Image, "img:2");
    assert.equal(auto.previousSpec, undefined);
    assert.match(auto.updateStatus?.message ?? "", /rolled back due to failure/);
    evolve(s, ev({ type: "ServiceUpdateStatusChanged", subject: svc, data: { serviceId: "s1", state: "rollback_completed", message: "rollback completed" } }));
    assert.ok(s.services.get("s1")?.updateStatus?.completedAt);
  });

  it("applies node spec updates and removals, and cluster updates", () => {
    seq = 0;
    const node = subjects.event("node", "n1");
    const s = fold([
      ev({ type: "ClusterInitialized", subject: subjects.event("cluster", "default"), data: { clusterId: "c", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } }),
      ev({ type: "NodeJoined", subject: node, data: { nodeId: "n1", name: "n1", role: "worker", availability: "active" } }),
      ev({ type: "NodeUpdated", subject: node, data: { nodeId: "n1", role: "manager", availability: "drain", labels: { zone: "a" } } }),
      ev({ type: "ClusterUpdated", subject: subjects.event("cluster", "default"), data: { taskHistoryLimit: 2 } }),
    ]);
    assert.deepEqual([s.nodes.get("n1")?.role, s.nodes.get("n1")?.availability, s.nodes.get("n1")?.labels], ["manager", "drain", { zone: "a" }]);
    assert.deepEqual([s.cluster?.taskHistoryLimit, s.cluster?.heartbeatPeriodMs], [2, 2000]);
    evolve(s, ev({ type: "NodeRemoved", subject: node, data: { nodeId: "n1" } }));
    assert.equal(s.nodes.has("n1"), false);
  });
});
