import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope } from "../../../schemas/index.js";
import { Given } from "../core/test-fixture.js";
import { activeServices, affectedServices } from "./routing.js";

const actor = { kind: "service", id: "x" } as const;
const stored = (event: Omit<Envelope, "id" | "at" | "actor">) =>
  ({ seq: 999, event: { id: "e", at: new Date(0).toISOString(), actor, ...event } as Envelope });

describe("routing: which services an event enqueues", () => {
  const given = new Given().node("n1").node("n2").service("web", 2).service("db", 1).converge("web").converge("db");
  given.assign("t-web:1:0", "n1").assign("t-db:1:0", "n1").assign("t-web:2:0", "n2");

  it("a task event enqueues its service, even once the task is deleted", () => {
    const e = stored({ type: "TaskDeleted", subject: subjects.event("task", "gone"), data: { taskId: "gone" } });
    assert.deepEqual(affectedServices(e, given.state, new Map([["gone", "web"]])), ["web"]);
  });

  it("a node event enqueues every service with a task on that node", () => {
    const e = stored({ type: "NodeStatusChanged", subject: subjects.event("node", "n1"), data: { nodeId: "n1", state: "down", message: "" } });
    assert.deepEqual(affectedServices(e, given.state, new Map()).sort(), ["db", "web"]);
    const e2 = stored({ type: "NodeStatusChanged", subject: subjects.event("node", "n2"), data: { nodeId: "n2", state: "down", message: "" } });
    assert.deepEqual(affectedServices(e2, given.state, new Map()), ["web"]);
  });

  it("a node event also enqueues every global service (a new or returning node may need its task)", () => {
    const g = new Given().node("n1").service("web", 1).converge("web")
      .event("ServiceCreated", "service", "agent", { serviceId: "agent", spec: { Name: "agent", Mode: { Global: {} }, TaskTemplate: { ContainerSpec: { Image: "i" } } } });
    const e = stored({ type: "NodeJoined", subject: subjects.event("node", "n9"), data: { nodeId: "n9", name: "n9", role: "worker", availability: "active" } });
    assert.deepEqual(affectedServices(e, g.state, new Map()), ["agent"]);
  });

  it("given no update in progress, when a task progresses, then nothing is enqueued; when it ends, its service is", () => {
    const progress = stored({ type: "TaskStatusChanged", subject: subjects.event("task", "t-web:1:0"), data: { taskId: "t-web:1:0", state: "running", message: "started", timestamp: new Date(0).toISOString() } });
    const assigned = stored({ type: "TaskAssigned", subject: subjects.event("task", "t-web:1:0"), data: { taskId: "t-web:1:0", nodeId: "n1" } });
    const failed = stored({ type: "TaskStatusChanged", subject: subjects.event("task", "t-web:1:0"), data: { taskId: "t-web:1:0", state: "failed", message: "exit", err: "x", timestamp: new Date(0).toISOString() } });
    assert.deepEqual(affectedServices(progress, given.state, new Map()), []);
    assert.deepEqual(affectedServices(assigned, given.state, new Map()), []);
    assert.deepEqual(affectedServices(failed, given.state, new Map()), ["web"]);
  });

  it("given an update in progress, when a task progresses, then its service is enqueued (the updater watches it)", () => {
    const g = new Given().node("n1").service("web", 1).converge("web")
      .event("ServiceUpdateStatusChanged", "service", "web", { serviceId: "web", state: "updating", message: "update in progress" });
    const t = [...g.state.tasks.keys()][0]!;
    const progress = stored({ type: "TaskStatusChanged", subject: subjects.event("task", t), data: { taskId: t, state: "starting", message: "starting", timestamp: new Date(0).toISOString() } });
    assert.deepEqual(affectedServices(progress, g.state, new Map()), ["web"]);
  });

  it("the resync covers live services and removed ones with tasks left", () => {
    const g = new Given().service("a", 1).converge("a").service("b", 0).removeService("b").service("c", 1).converge("c").removeService("c");
    assert.deepEqual(activeServices(g.state).sort(), ["a", "c"]);
  });
});
