import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ClusterState, NodeView, TaskView } from "../../shared/model/index.js";
import type { ServiceSpec } from "../../../schemas/index.js";
import { plan } from "./plan.js";
import { GiB, NOW, node, running, state, task } from "./test-fixture.js";

/** The decisions as `taskId→nodeId` or `taskId!err`, in order. */
function reserving(cpu: number, mem: number) {
  return { ContainerSpec: { Image: "img" }, Resources: { Reservations: { NanoCPUs: cpu, MemoryBytes: mem } } };
}
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
      want: ["g1→n1", "g2!1 node not available for new tasks"],
    },
    {
      name: "preassigned task: its node's resources are checked, bare explanation",
      nodes: [node("n1", { description: undefined })],
      tasks: [task("g1", { nodeId: "n1", slot: 0, spec: reserving(1e9, 0) })],
      want: ["g1!insufficient resources on 1 node"],
    },
    {
      name: "reservations: placements in the same pass use up the node",
      nodes: [node("n1"), node("n2")],
      tasks: [1, 2, 3].map((i) => task(`t${i}`, { slot: i, spec: reserving(3e9, 0) })),
      want: ["t1→n1", "t2→n2", "t3!no suitable node (insufficient resources on 2 nodes)"],
    },
    {
      name: "reservations of running tasks count, ended ones do not",
      nodes: [node("n1"), node("n2")],
      tasks: [
        running("x", "n1", { serviceId: "o", spec: reserving(0, 7 * GiB) }),
        running("y", "n2", { serviceId: "o", spec: reserving(0, 7 * GiB), state: "failed" }),
        task("t1", { spec: reserving(0, 2 * GiB) }),
      ],
      want: ["t1→n2"],
    },
    {
      name: "constraints",
      nodes: [node("n1", { labels: { zone: "a" } }), node("n2", { labels: { zone: "b" } })],
      tasks: [task("t1", { spec: { ContainerSpec: { Image: "img" }, Placement: { Constraints: ["node.labels.zone==b"] } } })],
      want: ["t1→n2"],
    },
    {
      name: "max replicas per node",
      nodes: [node("n1")],
      tasks: [1, 2].map((i) => task(`t${i}`, { slot: i, spec: { ContainerSpec: { Image: "img" }, Placement: { MaxReplicas: 1 } } })),
      want: ["t1→n1", "t2!no suitable node (max replicas per node limit exceed)"],
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

  it("host-mode ports: one task per node", () => {
    const svc: ServiceSpec = {
      Name: "svc", TaskTemplate: { ContainerSpec: { Image: "img" } },
      EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }] },
    };
    const s = state([node("n1"), node("n2")], [1, 2, 3].map((i) => task(`t${i}`, { slot: i })), [svc]);
    assert.deepEqual(decisions(s), ["t1→n1", "t2→n2", "t3!no suitable node (host-mode port already in use on 2 nodes)"]);
  });
});

