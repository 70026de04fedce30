import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { RestartPolicy, ServiceMode, ServiceSpec } from "../../../schemas/index.js";
import { Given } from "./test-fixture.js";

/* Given/when/then for jobs (swarmkit's jobs orchestrator), through the orchestrator's plan. */

function jobSpec(mode: ServiceMode, restart?: RestartPolicy): ServiceSpec {
  return { Name: "j", Mode: mode, TaskTemplate: { ContainerSpec: { Image: "busybox" }, ...(restart ? { RestartPolicy: restart } : {}) } };
}
function given(mode: ServiceMode, restart?: RestartPolicy): Given {
  return new Given().node("n1").event("ServiceCreated", "service", "j", { serviceId: "j", spec: jobSpec(mode, restart) });
}
const job = (total: number, max?: number): ServiceMode => ({ ReplicatedJob: { TotalCompletions: total, ...(max ? { MaxConcurrent: max } : {}) } });
/** Every newly created task of the service is assigned to n1 and runs. */
function start(g: Given): Given {
  for (const t of g.tasks("j")) if (t.state === "pending" && t.desiredState === "running") g.assign(t.id, t.nodeId ?? "n1").status(t.id, "running");
  return g;
}
/** Ends every running task of the service with `state`. */
function finish(g: Given, state: "complete" | "failed"): Given {
  for (const t of g.tasks("j")) if (t.state === "running") g.status(t.id, state, state === "failed" ? { exitCode: 1, err: "exit 1" } : {});
  return g;
}
const running = (g: Given) => g.tasks("j").filter((t) => t.state === "running").length;
const completed = (g: Given) => g.tasks("j").filter((t) => t.state === "complete").length;
const live = (g: Given) => g.tasks("j").filter((t) => ["ready", "running"].includes(t.desiredState) && !["complete", "failed"].includes(t.state));

describe("replicated job", () => {
  it("runs TotalCompletions tasks, at most MaxConcurrent at once, and stops once all completed", () => {
    const g = given(job(5, 2));
    let maxRunning = 0;
    for (let i = 0; i < 5; i++) {
      start(g.converge("j"));
      maxRunning = Math.max(maxRunning, running(g));
      finish(g, "complete");
    }
    assert.equal(maxRunning, 2);
    assert.equal(completed(g), 5);
    assert.deepEqual(g.tasks("j").map((t) => t.slot), [1, 2, 3, 4, 5]);
    g.converge("j");
    assert.equal(live(g).length, 0, "no completed task is restarted, nothing more is created");
  });

  it("MaxConcurrent defaults to 1 and TotalCompletions to MaxConcurrent", () => {
    const g = given({ ReplicatedJob: {} });
    start(g.converge("j"));
    assert.equal(g.tasks("j").length, 1);
    finish(g, "complete").converge("j");
    assert.equal(g.tasks("j").length, 1);
  });

  it("a completed task is not restarted even under condition any", () => {
    const g = given(job(1), { Condition: "any", Delay: 0 });
    finish(start(g.converge("j")), "complete").converge("j");
    assert.equal(g.tasks("j").length, 1);
  });

  it("a failed task is retried per the restart policy (default on-failure), then the slot stays failed", () => {
    const g = given(job(1), { Delay: 0, MaxAttempts: 2 });
    start(g.converge("j"));
    for (let i = 0; i < 3; i++) {
      finish(g, "failed").converge("j");
      start(g);
    }
    const states = g.tasks("j").map((t) => t.state);
    assert.deepEqual(states, ["failed", "failed", "failed"], "the task and 2 retries, then no more");
    assert.equal(live(g).length, 0);
  });

  it("a failure takes its slot's retry within MaxConcurrent: no new slot starts meanwhile", () => {
    const g = given(job(3, 1), { Delay: 0 });
    start(g.converge("j"));
    finish(g, "failed").converge("j");
    const now = live(g);
    assert.equal(now.length, 1);
    assert.equal(now[0]!.slot, 1, "the retry, in the failed slot");
  });

  it("an update (a --force bump) starts a new iteration: earlier tasks stopped, the job runs again", () => {
    const g = given(job(2, 2));
    finish(start(g.converge("j")), "complete");
    start(g.converge("j"));
    g.update("j", { TaskTemplate: { ContainerSpec: { Image: "busybox" }, ForceUpdate: 1 } });
    start(g.converge("j"));
    assert.equal(running(g), 2, "both slots run again");
    const version = g.state.services.get("j")!.specVersion;
    assert.ok(live(g).every((t) => t.specVersion === version));
  });

  it("an update while tasks run shuts the old iteration's runnable tasks down", () => {
    const g = given(job(1));
    start(g.converge("j"));
    const old = g.tasks("j")[0]!;
    g.update("j", { TaskTemplate: { ContainerSpec: { Image: "busybox" }, ForceUpdate: 1 } }).converge("j");
    assert.equal(g.state.tasks.get(old.id)!.desiredState, "shutdown");
    assert.equal(live(g).length, 1);
  });
});

describe("global job", () => {
  it("one task per eligible node to completion; a node joining later gets one", () => {
    const g = given({ GlobalJob: {} }).node("n2");
    start(g.converge("j"));
    assert.deepEqual(g.tasks("j").map((t) => t.nodeId).sort(), ["n1", "n2"]);
    finish(g, "complete").converge("j");
    assert.equal(live(g).length, 0, "completed tasks are not replaced");
    g.node("n3").converge("j");
    assert.deepEqual(live(g).map((t) => t.nodeId), ["n3"]);
  });

  it("a completed task is not replaced even under condition any", () => {
    const g = given({ GlobalJob: {} }, { Condition: "any", Delay: 0 });
    finish(start(g.converge("j")), "complete").converge("j");
    assert.equal(g.tasks("j").length, 1);
  });

  it("a failed task is retried on its node (on-failure by default); --force runs every node again", () => {
    const g = given({ GlobalJob: {} }, { Delay: 0 });
    finish(start(g.converge("j")), "failed").converge("j");
    assert.deepEqual(live(g).map((t) => t.nodeId), ["n1"]);
    finish(start(g), "complete").converge("j");
    assert.equal(live(g).length, 0);
    g.update("j", { TaskTemplate: { ContainerSpec: { Image: "busybox" }, ForceUpdate: 1 } }).converge("j");
    assert.equal(live(g).length, 1);
  });
});
