import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { evolve, initialClusterState } from "../../shared/model/index.js";
import { auditDiff, type AuditSnapshot } from "./audit-diff.js";
import { API, NODE, ORCH, smallLog, type LogBuilder } from "./audit-test-fixture.js";
import { listNodes, listServices, listTasks } from "./views.js";

/** The api views after the first `n` events of the log. */
function at(b: LogBuilder, n: number): AuditSnapshot {
  const s = initialClusterState();
  b.log.slice(0, n).forEach((m) => evolve(s, { seq: m.seq, event: m.event }));
  return { seq: n, services: listServices(s, new Map()), tasks: listTasks(s, new Map()), nodes: listNodes(s, new Map()) };
}

describe("audit diff", () => {
  it("nothing between equal points", () => {
    const b = smallLog();
    assert.deepEqual(auditDiff(at(b, 9), at(b, 9)), []);
  });

  it("creation: the service, its task counts and the node", () => {
    const b = smallLog();
    assert.deepEqual(auditDiff(at(b, 1), at(b, 9)), [
      { kind: "service", name: "web", change: "created (1 replica, img:1)" },
      { kind: "tasks", name: "web", change: "none → running 1" },
      { kind: "node", name: "host1", change: "joined (ready/active/manager)" },
    ]);
  });

  it("an update: replicas and image; task states; a node going down; a removal", () => {
    const b = smallLog();
    b.add("ServiceUpdated", "service", "s1", { serviceId: "s1", spec: { Name: "web", Mode: { Replicated: { Replicas: 3 } }, TaskTemplate: { ContainerSpec: { Image: "img:2" } } } }, API);
    b.add("TaskStatusChanged", "task", "t1", { taskId: "t1", state: "shutdown", message: "", timestamp: "t" }, NODE);
    b.add("NodeStatusChanged", "node", "n1", { nodeId: "n1", state: "down", message: "heartbeat failure" }, { kind: "service", id: "dispatcher-4" });
    assert.deepEqual(auditDiff(at(b, 9), at(b, 12)), [
      { kind: "service", name: "web", change: "updated: replicas 1 → 3, image img:1 → img:2" },
      { kind: "tasks", name: "web", change: "running 1 → shutdown 1" },
      { kind: "node", name: "host1", change: "ready/active/manager → down/active/manager" },
    ]);
    b.add("ServiceRemoved", "service", "s1", { serviceId: "s1" }, API);
    b.add("TaskDeleted", "task", "t1", { taskId: "t1" }, ORCH);
    const d = auditDiff(at(b, 12), at(b, 14));
    assert.deepEqual(d.filter((c) => c.kind === "service"), [{ kind: "service", name: "web", change: "removed" }]);
  });
});
