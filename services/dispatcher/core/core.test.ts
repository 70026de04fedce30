import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { initialClusterState, type ClusterState, type NodeView, type TaskView } from "../../shared/model/index.js";
import { subjects, type NodeState, type TaskState, type TaskStatusReport } from "../../../schemas/index.js";
import { checkReport, planHeartbeat, planRegistration, planTaskReports, heartbeatPeriodMs } from "./sessions.js";
import { isStaleHeartbeat, planLiveness } from "./liveness.js";
import { deriveDoc, docJson, docMsgId, sameDocContent, supersedes, tombstone } from "./task-docs.js";
import { NodeTaskDoc } from "../../../schemas/index.js";

const desc = { hostname: "h", os: "linux", architecture: "x86_64", nanoCpus: 1e9, memoryBytes: 1e9, engineVersion: "28", engineLabels: {} };
function node(id: string, st: NodeState = "ready", over: Partial<NodeView> = {}): NodeView {
  return { id, name: id, role: "worker", availability: "active", labels: {}, state: st, message: "", createdAt: "", updatedAt: "", ...over };
}
function task(id: string, over: Partial<TaskView> = {}): TaskView {
  return {
    id, serviceId: "svc", serviceName: "web", slot: 1, nodeId: "n1", spec: { ContainerSpec: { Image: "img" } }, specVersion: 1,
    desiredState: "running", state: "assigned", message: "", statusAt: "", createdAt: "", updatedAt: "", ...over,
  };
}
function state(nodes: NodeView[], tasks: TaskView[] = []): ClusterState {
  const s = initialClusterState();
  for (const n of nodes) { s.nodes.set(n.id, n); s.versions.set(subjects.event("node", n.id), 5); }
  for (const t of tasks) { s.tasks.set(t.id, t); s.versions.set(subjects.event("task", t.id), 7); }
  return s;
}
const report = (taskId: string, st: TaskState): TaskStatusReport => ({ taskId, state: st, message: st, timestamp: "2026-01-01T00:00:00Z" });

describe("dispatcher: task status reports", () => {
  const s = state([node("n1"), node("n2")], [task("t1", { state: "running" }), task("t2", { nodeId: "n2" })]);
  const table: [string, TaskStatusReport, string][] = [
    ["forward", report("t1", "complete"), "ok"],
    ["unknown task", report("zz", "running"), "task not found"],
    ["another node's task", report("t2", "running"), "cannot update a task not assigned this node"],
    ["backward", report("t1", "starting"), "invalid transition from running to starting"],
    ["unchanged", report("t1", "running"), "unchanged"],
  ];
  for (const [name, r, want] of table) {
    it(name, () => {
      const v = checkReport(s, "n1", r);
      assert.equal(v.ok ? "ok" : v.reason, want);
    });
  }

  it("writes one event per task per batch: the furthest state, carrying details of earlier reports", () => {
    const s2 = state([node("n1")], [task("t1"), task("t3")]);
    const reports = [
      { ...report("t1", "ready"), containerId: "c9" }, report("t1", "running"), report("t1", "starting"),
      { ...report("t3", "failed"), err: "boom", exitCode: 3, containerId: "c1" },
    ];
    const planned = planTaskReports(s2, "n1", reports);
    assert.deepEqual(planned.map((p) => [p.aggregateId, (p.data as { state: string }).state, p.expect]), [["t1", "running", 7], ["t3", "failed", 7]]);
    assert.equal((planned[0]?.data as { containerId?: string }).containerId, "c9", "the container id of the ready report is kept");
    assert.deepEqual(planned[1]?.data, { taskId: "t3", state: "failed", message: "failed", err: "boom", containerId: "c1", exitCode: 3, timestamp: "2026-01-01T00:00:00Z" });
    s2.tasks.set("t1", task("t1", { state: "running" }));
    s2.tasks.set("t3", task("t3", { state: "failed" }));
    assert.deepEqual(planTaskReports(s2, "n1", reports), [], "nothing left once applied");
  });
});

describe("dispatcher: registration and heartbeats", () => {
  const req = { nodeId: "n1", sessionId: "s1", description: desc, addr: "10.0.0.1" };
  it("records a new description first, then marks the node ready", () => {
    const s = state([node("n1", "unknown")]);
    assert.deepEqual(planRegistration(s, req).map((p) => p.type), ["NodeRegistered"]);
    s.nodes.set("n1", node("n1", "unknown", { description: desc, addr: "10.0.0.1" }));
    const [p] = planRegistration(s, req);
    assert.equal(p?.type, "NodeStatusChanged");
    assert.deepEqual(p?.data, { nodeId: "n1", state: "ready", message: "" });
    s.nodes.set("n1", node("n1", "ready", { description: desc, addr: "10.0.0.1" }));
    assert.deepEqual(planRegistration(s, req), []);
  });
  it("plans nothing for a node not in the swarm", () => assert.deepEqual(planRegistration(state([]), req), []));
  it("a heartbeat revives a down, unknown or disconnected node only", () => {
    const table: [NodeState, number][] = [["down", 1], ["unknown", 1], ["disconnected", 1], ["ready", 0]];
    for (const [st, n] of table) assert.equal(planHeartbeat(state([node("n1", st)]), "n1").length, n, st);
    assert.equal(planHeartbeat(state([]), "n1").length, 0);
  });
  it("uses the cluster's heartbeat period, 2 s by default", () => {
    const s = state([]);
    assert.equal(heartbeatPeriodMs(s), 2000);
    const joinTokens = { worker: { hash: "w", generation: 1 }, manager: { hash: "m", generation: 1 } };
    s.cluster = { id: "c", heartbeatPeriodMs: 200, taskHistoryLimit: 5, joinTokens, createdAt: "", updatedAt: "" };
    assert.equal(heartbeatPeriodMs(s), 200);
  });
});

describe("dispatcher: liveness", () => {
  const s = state([node("a"), node("b"), node("c", "down"), node("d", "unknown"), node("e")]);
  it("marks down ready nodes silent for more than 3 periods, after a grace period from start", () => {
    const lastSeen = new Map([["a", 1000], ["b", 1500]]);
    const down = (nowMs: number) => planLiveness(s, { lastSeen, startedAtMs: 1000, nowMs, periodMs: 100 }).map((p) => p.aggregateId);
    assert.deepEqual(down(1300), []);
    assert.deepEqual(down(1301), ["a", "e"]);
    assert.deepEqual(down(1801), ["a", "b", "e"]);
  });
  it("counts the node's last event (another dispatcher registered it) as seen", () => {
    const fresh = state([node("r", "ready", { updatedAt: new Date(5000).toISOString() })]);
    const down = (nowMs: number) => planLiveness(fresh, { lastSeen: new Map(), startedAtMs: 0, nowMs, periodMs: 1000 }).map((p) => p.aggregateId);
    assert.deepEqual(down(8000), [], "3 periods from the registration, not from the dispatcher's start");
    assert.deepEqual(down(8001), ["r"]);
  });
  it("says why", () => {
    const [p] = planLiveness(s, { lastSeen: new Map(), startedAtMs: 0, nowMs: 10_000, periodMs: 100 });
    assert.deepEqual(p?.data, { nodeId: "a", state: "down", message: "heartbeat failure" });
    assert.equal(p?.expect, 5);
  });
  it("ignores heartbeats older than 3 periods", () => {
    assert.equal(isStaleHeartbeat(0, 300, 100), false);
    assert.equal(isStaleHeartbeat(0, 301, 100), true);
  });
});

describe("dispatcher: per-node task docs", () => {
  const table: [string, Partial<TaskView>, boolean][] = [
    ["assigned", { state: "assigned" }, true],
    ["running", { state: "running" }, true],
    ["pending preassigned", { state: "pending" }, false],
    ["pending, desired shutdown", { state: "pending", desiredState: "shutdown" }, true],
    ["no node", { state: "pending", nodeId: undefined, desiredState: "remove" }, false],
  ];
  for (const [name, over, want] of table) {
    it(`${name} → ${want ? "doc" : "none"}`, () => assert.equal(deriveDoc(task("t1", over), 9) !== undefined, want));
  }
  it("a doc's content changes with desired state, node or spec, not with observed state", () => {
    const a = deriveDoc(task("t1", { state: "assigned" }), 9)!;
    const b = deriveDoc(task("t1", { state: "running" }), 12)!;
    const c = deriveDoc(task("t1", { state: "running", desiredState: "shutdown" }), 13)!;
    assert.ok(sameDocContent(a, b));
    assert.ok(!sameDocContent(b, c));
    assert.ok(!sameDocContent(b, { ...b, nodeId: "n2" }));
    assert.ok(!sameDocContent(b, tombstone(b, 14)));
    // Specs are compared by content: an equal spec in another object (a doc read back from the
    // stream) is the same; another image is not.
    const copy = structuredClone(b.spec);
    assert.ok(sameDocContent(b, { ...b, spec: copy }));
    assert.ok(!sameDocContent(b, { ...b, spec: { ...copy, ContainerSpec: { ...copy.ContainerSpec, Image: "other:2" } } }));
    assert.equal(docMsgId(c), "t1:13");
  });
  it("a doc's JSON parses back to the doc", () => {
    const d = { ...deriveDoc(task("t1", { state: "running" }), 12)!, endpoint: { Ports: [{ TargetPort: 80, PublishedPort: 8080, Protocol: "tcp" as const, PublishMode: "host" as const }] } };
    assert.deepEqual(NodeTaskDoc.parse(JSON.parse(docJson(d))), d);
    assert.deepEqual(JSON.parse(docJson(d)), JSON.parse(JSON.stringify(d)));
    const t = tombstone(d, 20);
    assert.deepEqual(JSON.parse(docJson(t)), JSON.parse(JSON.stringify(t)));
  });
  it("tombstones keep the identity and mark removal", () => {
    const t = tombstone(deriveDoc(task("t1"), 9)!, 20);
    assert.equal(t.removed, true);
    assert.equal(t.version, 20);
    assert.equal(t.nodeId, "n1");
    assert.equal(docMsgId(t), "t1:20:removed");
  });
  it("a doc replaces the stored one only when newer: a later version, or a tombstone at the same version", () => {
    const d = deriveDoc(task("t1"), 9)!;
    const later = { ...d, version: 10 };
    assert.ok(supersedes(later, d));
    assert.ok(!supersedes(d, later), "a stale doc never replaces a newer one");
    assert.ok(!supersedes(d, d), "the same doc (our own earlier try) adds nothing");
    assert.ok(supersedes(tombstone(d, 9), d), "a removed node's tombstone at the task's version");
    assert.ok(!supersedes(d, tombstone(d, 9)));
    assert.ok(!supersedes(tombstone(d, 9), tombstone(d, 9)));
  });
});
