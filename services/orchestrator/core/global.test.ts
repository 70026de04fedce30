import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RestartPolicy, ServiceSpec } from "../../../schemas/index.js";
import { Given, NS, SEC, summary } from "./test-fixture.js";

/* Given/when/then for the global orchestrator (reference §3.2), through the orchestrator's plan. */

function globalSpec(over: { constraints?: string[]; restart?: RestartPolicy } = {}): ServiceSpec {
  return {
    Name: "g", Mode: { Global: {} },
    TaskTemplate: {
      ContainerSpec: { Image: "busybox" },
      ...(over.constraints ? { Placement: { Constraints: over.constraints } } : {}),
      ...(over.restart ? { RestartPolicy: over.restart } : {}),
    },
  };
}
function given(over: Parameters<typeof globalSpec>[0] = {}): Given {
  return new Given().event("ServiceCreated", "service", "g", { serviceId: "g", spec: globalSpec(over) });
}
/** `node:desired:state` per task of the service, sorted. */
function tasksOn(g: Given): string[] {
  return g.tasks("g").map((t) => `${t.nodeId}:${t.desiredState}:${t.state}`).sort();
}
function labels(g: Given, nodeId: string, l: Record<string, string>, availability: "active" | "pause" | "drain" = "active"): Given {
  return g.event("NodeUpdated", "node", nodeId, { nodeId, role: "worker", availability, labels: l });
}
/** Every pending task is confirmed on its node and runs (what scheduler, dispatcher and agent do). */
function runAll(g: Given): Given {
  for (const t of g.tasks("g")) if (t.state === "pending" && t.desiredState === "running") g.assign(t.id, t.nodeId!).status(t.id, "running");
  return g;
}

describe("global orchestrator", () => {
  it("creates one task per eligible node, node preset, slot 0, pending, deterministic ids", () => {
    const g = given().node("n1").node("n2").node("n3", "down").node("n4").availability("n4", "drain");
    const planned = g.plan("g");
    assert.deepEqual(summary(planned), ["TaskCreated:t-g:n1:0", "TaskCreated:t-g:n2:0"]);
    const d = planned[0]!.data as { nodeId: string; slot: number; state: string; desiredState: string };
    assert.deepEqual([d.nodeId, d.slot, d.state, d.desiredState], ["n1", 0, "pending", "running"]);
    assert.equal(planned[0]!.expect, 0);
    g.apply(planned);
    assert.deepEqual(g.plan("g"), []);
  });

  it("a spec on a network: its tasks are created new, node preset (they wait for the allocator)", () => {
    const spec = { ...globalSpec(), TaskTemplate: { ContainerSpec: { Image: "busybox" }, Networks: [{ Target: "net1" }] } };
    const g = new Given().event("ServiceCreated", "service", "g", { serviceId: "g", spec }).node("n1");
    const d = g.plan("g")[0]!.data as { nodeId: string; state: string };
    assert.deepEqual([d.nodeId, d.state], ["n1", "new"]);
  });

  it("follows nodes joining", () => {
    const g = given().node("n1");
    runAll(g.converge("g"));
    g.node("n2");
    assert.deepEqual(summary(g.plan("g")), ["TaskCreated:t-g:n2:0"]);
  });

  it("a paused node keeps its task and gets none added", () => {
    const g = given().node("n1").node("n2");
    runAll(g.converge("g"));
    labels(g, "n1", {}, "pause");
    assert.deepEqual(g.plan("g"), []);
    const h = given().node("n1");
    labels(h, "n1", {}, "pause");
    assert.deepEqual(h.plan("g"), []);
  });

  const leaving: [string, (g: Given) => void][] = [
    ["drained", (g) => labels(g, "n1", {}, "drain")],
    ["down", (g) => g.node("n1", "down")],
    ["removed", (g) => g.event("NodeRemoved", "node", "n1", { nodeId: "n1" })],
    ["no longer matching the constraints", (g) => labels(g, "n1", { zone: "b" })],
  ];
  for (const [name, leave] of leaving) {
    it(`shuts down the task of a node ${name}, and only that one`, () => {
      const g = given({ constraints: ["node.labels.zone==a"] }).node("n1").node("n2");
      labels(g, "n1", { zone: "a" });
      labels(g, "n2", { zone: "a" });
      runAll(g.converge("g"));
      leave(g);
      g.converge("g");
      assert.deepEqual(tasksOn(g), ["n1:shutdown:running", "n2:running:running"]);
    });
  }

  it("places on nodes that start matching the constraints", () => {
    const g = given({ constraints: ["node.labels.zone==a"] }).node("n1").node("n2");
    labels(g, "n1", { zone: "a" });
    runAll(g.converge("g"));
    labels(g, "n2", { zone: "a" });
    assert.deepEqual(summary(g.plan("g")), ["TaskCreated:t-g:n2:0"]);
  });

  it("restarts a failed task on the same node after the restart delay", () => {
    const g = given({ restart: { Delay: 2 * NS } }).node("n1");
    runAll(g.converge("g"));
    g.status("t-g:n1:0", "failed");
    g.converge("g");
    assert.deepEqual(tasksOn(g), ["n1:ready:pending", "n1:shutdown:failed"]);
    const replacement = g.tasks("g").find((t) => t.desiredState === "ready")!;
    assert.equal(replacement.id, "t-g:n1:1");
    assert.equal(replacement.replaces, "t-g:n1:0");
    g.advance(2 * SEC);
    assert.deepEqual(summary(g.plan("g")), ["desired:t-g:n1:1:running"]);
  });

  it("restart condition none: the failed task stays, nothing replaces it", () => {
    const g = given({ restart: { Condition: "none" } }).node("n1");
    runAll(g.converge("g"));
    g.status("t-g:n1:0", "failed");
    g.converge("g");
    assert.deepEqual(tasksOn(g), ["n1:shutdown:failed"]);
  });

  it("a node back from down gets a fresh task at once", () => {
    const g = given().node("n1");
    runAll(g.converge("g"));
    g.node("n1", "down").converge("g");
    g.node("n1", "ready");
    const planned = g.plan("g");
    assert.deepEqual(summary(planned), ["TaskCreated:t-g:n1:1"]);
    assert.equal((planned[0]!.data as { desiredState: string }).desiredState, "running");
  });

  it("keeps the task history per node to the limit", () => {
    const g = given({ restart: { Delay: 0 } }).node("n1");
    for (let i = 0; i < 7; i++) {
      runAll(g.converge("g"));
      const live = g.tasks("g").find((t) => t.desiredState === "running")!;
      g.advance(SEC).status(live.id, "failed");
    }
    g.converge("g");
    assert.ok(g.tasks("g").length <= 5, `kept ${g.tasks("g").length}`);
    assert.equal(g.tasks("g").filter((t) => t.desiredState === "running").length, 1);
  });

  it("removing the service removes every task", () => {
    const g = given().node("n1").node("n2");
    runAll(g.converge("g"));
    g.removeService("g");
    assert.deepEqual(summary(g.plan("g")).sort(), ["desired:t-g:n1:0:remove", "desired:t-g:n2:0:remove"]);
  });
});
