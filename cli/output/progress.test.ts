import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Service, Task } from "../../schemas/api.js";
import { progressBar, render, ReplicatedProgress, taskProgress, truncError, verifyText } from "./progress.js";

const service = (replicas: number): Service => ({
  ID: "s1", Version: { Index: 1 }, CreatedAt: "t", UpdatedAt: "t",
  Spec: { Name: "web", Mode: { Replicated: { Replicas: replicas } }, TaskTemplate: { ContainerSpec: { Image: "img" } } },
});
const task = (slot: number, state: Task["Status"]["State"], err?: string, desired: Task["DesiredState"] = "running"): Task => ({
  ID: `t${slot}${state}`, Version: { Index: 1 }, CreatedAt: `2026-01-01T00:00:0${slot}Z`, UpdatedAt: "t", ServiceID: "s1", ServiceName: "web",
  Slot: slot, Spec: { ContainerSpec: { Image: "img" } }, Status: { Timestamp: "t", State: state, Message: "", Err: err }, DesiredState: desired,
});

describe("progress lines", () => {
  it("draws docker's 50-cell bar by state index out of 9", () => {
    assert.equal(progressBar(9, 9), `[${"=".repeat(50)}>]`);
    assert.equal(progressBar(3, 9), `[${"=".repeat(16)}>${" ".repeat(34)}]`);
  });
  it("pads the state to 9 and shows the error instead of the bar", () => {
    assert.equal(render({ id: "1/3", text: taskProgress(task(1, "running")) }), `1/3: running   [${"=".repeat(50)}>]`);
    assert.equal(taskProgress(task(1, "pending", "no suitable node (insufficient resources on 2 nodes)")),
      "no suitable node (insufficient resources on 2 nodes)");
    assert.equal(truncError("x".repeat(80)).length, 75);
  });
  it("counts running slots, one line per slot, ignoring tasks being removed", () => {
    const p = new ReplicatedProgress();
    const f = p.frame(service(3), [task(1, "running"), task(2, "assigned"), task(3, "running", undefined, "remove")]);
    assert.equal(f.converged, false);
    assert.deepEqual(f.lines.map(render), [
      "overall progress: 1 out of 3 tasks",
      `1/3: running   [${"=".repeat(50)}>]`,
      `2/3: assigned  ${progressBar(4, 9)}`,
      "3/3:",
    ]);
    assert.equal(p.frame(service(2), [task(1, "running"), task(2, "running")]).converged, true);
  });
  it("no per-slot lines above 20 replicas", () => {
    assert.equal(new ReplicatedProgress().frame(service(21), []).lines.length, 1);
  });
  it("counts the verify period down in whole seconds", () => {
    assert.equal(verifyText(5000), "Waiting 5 seconds to verify that tasks are stable...");
    assert.equal(verifyText(4100), "Waiting 5 seconds to verify that tasks are stable...");
    assert.equal(verifyText(100), "Waiting 1 seconds to verify that tasks are stable...");
  });
});
