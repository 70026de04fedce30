import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { initialClusterState, type ClusterState, type NodeView, type TaskView } from "../../shared/model/index.js";
import { deadlineMs, planLiveness } from "./liveness.js";
import { docOrphaned, onRemovedNode, tasksOnNode } from "./removed-nodes.js";

function node(id: string): NodeView {
  return { id, name: id, role: "worker", availability: "active", labels: {}, state: "ready", message: "", createdAt: "", updatedAt: "" };
}
function task(id: string, nodeId?: string): TaskView {
  return {
    id, serviceId: "svc", serviceName: "web", slot: 1, nodeId, spec: { ContainerSpec: { Image: "img" } }, specVersion: 1,
    desiredState: "running", state: "running", message: "", statusAt: "", createdAt: "", updatedAt: "",
  };
}
function state(nodes: string[], tasks: TaskView[]): ClusterState {
  const s = initialClusterState();
  for (const n of nodes) s.nodes.set(n, node(n));
  for (const t of tasks) s.tasks.set(t.id, t);
  return s;
}

describe("dispatcher: liveness follows the cluster's heartbeat period", () => {
  const s = state(["a", "b"], []);
  const lastSeen = new Map([["a", 0], ["b", 0]]);
  const down = (periodMs: number, told: [string, number][], nowMs: number) =>
    planLiveness(s, { lastSeen, startedAtMs: 0, nowMs, periodMs, toldPeriodMs: new Map(told) }).map((p) => p.aggregateId);
  const table: [string, number, [string, number][], number, string[]][] = [
    ["3 periods of silence are allowed", 100, [], 300, []],
    ["more is down", 100, [], 301, ["a", "b"]],
    ["a longer period applies at once", 1000, [["a", 100], ["b", 100]], 2000, []],
    ["a shorter period applies once the node has been told", 100, [["a", 1000], ["b", 100]], 301, ["b"]],
  ];
  for (const [name, period, told, now, want] of table) it(name, () => assert.deepEqual(down(period, told, now), want));
  it("judges only the nodes this instance owns", () => {
    const owned = planLiveness(s, { lastSeen, startedAtMs: 0, nowMs: 301, periodMs: 100, owns: (id) => id === "b" });
    assert.deepEqual(owned.map((p) => p.aggregateId), ["b"]);
  });
  it("deadline = 3 × the longer of current and told", () => {
    assert.equal(deadlineMs({ lastSeen, startedAtMs: 0, nowMs: 0, periodMs: 200, toldPeriodMs: new Map([["a", 500]]) }, "a"), 1500);
    assert.equal(deadlineMs({ lastSeen, startedAtMs: 0, nowMs: 0, periodMs: 200 }, "a"), 600);
  });
});

describe("dispatcher: removed nodes", () => {
  const s = state(["n1"], [task("t1", "n1"), task("t2", "gone"), task("t3")]);
  it("a task on a removed node is no longer sent", () => {
    assert.deepEqual(["t1", "t2", "t3"].map((id) => onRemovedNode(s, s.tasks.get(id)!)), [false, true, false]);
  });
  const table: [string, string, string, boolean][] = [
    ["live task on its node", "n1", "t1", false],
    ["task deleted", "n1", "zz", true],
    ["node removed", "gone", "t2", true],
    ["doc on another node's subject", "n2", "t1", true],
  ];
  for (const [name, nodeId, taskId, want] of table) it(`stream doc: ${name} → ${want ? "tombstone" : "keep"}`, () => assert.equal(docOrphaned(s, nodeId, taskId), want));
  it("finds a node's tasks", () => assert.deepEqual(tasksOnNode(s, "gone"), ["t2"]));
});
