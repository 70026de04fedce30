import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { initialClusterState, type ClusterState, type NodeView, type TaskView } from "../../shared/pure.js";
import { subjects } from "../../../schemas/index.js";
import { plan, unschedulableReason } from "./plan.js";

const NOW = new Date("2026-01-01T00:00:00Z");

function node(id: string, over: Partial<NodeView> = {}): NodeView {
  return {
    id, name: id, role: "worker", availability: "active", labels: {}, state: "ready", message: "",
    createdAt: "", updatedAt: "", ...over,
  };
}
function task(id: string, over: Partial<TaskView> = {}): TaskView {
  return {
    id, serviceId: "svc", serviceName: "web", slot: 1, spec: { ContainerSpec: { Image: "img" } }, specVersion: 1,
    desiredState: "running", state: "pending", message: "pending task scheduling", statusAt: "",
    createdAt: "", updatedAt: "", ...over,
  };
}
function state(nodes: NodeView[], tasks: TaskView[]): ClusterState {
  const s = initialClusterState();
  for (const n of nodes) s.nodes.set(n.id, n);
  tasks.forEach((t, i) => {
    s.tasks.set(t.id, t);
    s.versions.set(subjects.event("task", t.id), 10 + i);
  });
  return s;
}
/** The decisions as `taskId→nodeId` or `taskId!err`, in order. */
function decisions(s: ClusterState): string[] {
  return plan(s, NOW).map((p) => {
    const d = p.data as { taskId: string; nodeId?: string; err?: string };
    return p.type === "TaskAssigned" ? `${d.taskId}→${d.nodeId}` : `${d.taskId}!${d.err}`;
  });
}

describe("scheduler plan", () => {
  const cases: { name: string; nodes: NodeView[]; tasks: TaskView[]; want: string[] }[] = [
    { name: "one task, one ready node", nodes: [node("n1")], tasks: [task("t1")], want: ["t1→n1"] },
    {
      name: "spreads a service's tasks, placements in the same pass count",
      nodes: [node("n1"), node("n2")], tasks: [task("t1", { slot: 1 }), task("t2", { slot: 2 }), task("t3", { slot: 3 })],
      want: ["t1→n1", "t2→n2", "t3→n1"],
    },
    {
      name: "fewest tasks of this service wins over fewest in total",
      nodes: [node("n1"), node("n2")],
      tasks: [
        task("a1", { serviceId: "a", nodeId: "n1", state: "running" }),
        task("b1", { serviceId: "b", nodeId: "n2", state: "running" }),
        task("b2", { serviceId: "b", nodeId: "n2", state: "running" }),
        task("t1", { serviceId: "a", slot: 2 }),
      ],
      want: ["t1→n2"],
    },
    {
      name: "then fewest active tasks in total",
      nodes: [node("n1"), node("n2")],
      tasks: [task("x", { serviceId: "other", nodeId: "n1", state: "running" }), task("t1")],
      want: ["t1→n2"],
    },
    {
      name: "ended tasks and tasks desired shut down do not count as load",
      nodes: [node("n1"), node("n2")],
      tasks: [
        task("old", { nodeId: "n1", state: "failed", desiredState: "shutdown" }),
        task("stopping", { nodeId: "n1", state: "running", desiredState: "shutdown" }),
        task("t1"),
      ],
      want: ["t1→n1"],
    },
    {
      name: "only ready, active nodes are candidates",
      nodes: [node("n1", { state: "down" }), node("n2", { availability: "drain" }), node("n3", { availability: "pause" }), node("n4")],
      tasks: [task("t1")], want: ["t1→n4"],
    },
    {
      name: "no candidate: Swarm's explanation, plural",
      nodes: [node("n1", { state: "down" }), node("n2", { availability: "drain" })], tasks: [task("t1")],
      want: ["t1!no suitable node (2 nodes not available for new tasks)"],
    },
    {
      name: "no candidate: singular",
      nodes: [node("n1", { state: "unknown" })], tasks: [task("t1")],
      want: ["t1!no suitable node (1 node not available for new tasks)"],
    },
    { name: "no nodes at all", nodes: [], tasks: [task("t1")], want: ["t1!no suitable node"] },
    {
      name: "an unchanged explanation is not written again",
      nodes: [], tasks: [task("t1", { err: "no suitable node" })], want: [],
    },
    {
      name: "ignores tasks not pending, or not meant to run",
      nodes: [node("n1")],
      tasks: [
        task("new", { state: "new" }), task("asg", { state: "assigned", nodeId: "n1" }),
        task("stop", { desiredState: "shutdown" }), task("rm", { desiredState: "remove" }),
        task("ready", { desiredState: "ready" }),
      ],
      want: ["ready→n1"],
    },
    {
      name: "preassigned (global) task: confirmed on its node, or explained",
      nodes: [node("n1"), node("n2", { state: "down" })],
      tasks: [task("g1", { nodeId: "n1" }), task("g2", { nodeId: "n2", slot: 2 })],
      want: ["g1→n1", "g2!no suitable node (1 node not available for new tasks)"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(decisions(state(c.nodes, c.tasks)), c.want));
  }

  it("expects the task's current version, with a deterministic key", () => {
    const s = state([node("n1")], [task("t1")]);
    const [p] = plan(s, NOW);
    assert.equal(p?.expect, 10);
    assert.deepEqual(plan(s, NOW), plan(s, NOW));
  });

  it("orders tie-broken nodes by id regardless of insertion order", () => {
    const s = state([node("nb"), node("na")], [task("t1")]);
    assert.deepEqual(decisions(s), ["t1→na"]);
  });

  it("words the explanation like Swarm", () => {
    const table: [number, string][] = [
      [0, "no suitable node"],
      [1, "no suitable node (1 node not available for new tasks)"],
      [3, "no suitable node (3 nodes not available for new tasks)"],
    ];
    for (const [n, want] of table) assert.equal(unschedulableReason(n), want);
  });
});

