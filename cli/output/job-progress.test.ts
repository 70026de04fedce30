import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Service, Task } from "../../schemas/api.js";
import { jobFrame } from "./job-progress.js";

const svc = (Mode: NonNullable<Service["Spec"]["Mode"]>): Service =>
  ({ ID: "s", Version: { Index: 1 }, CreatedAt: "", UpdatedAt: "", Spec: { Name: "j", Mode, TaskTemplate: { ContainerSpec: { Image: "b" } } } });
const task = (state: Task["Status"]["State"], desired: Task["DesiredState"], node = "n1"): Task =>
  ({ ID: "t", Version: { Index: 1 }, CreatedAt: "", UpdatedAt: "", ServiceID: "s", ServiceName: "j", Slot: 1, NodeID: node,
    Spec: { ContainerSpec: { Image: "b" } }, Status: { Timestamp: "", State: state, Message: "" }, DesiredState: desired });

describe("waiting for a job", () => {
  it("not a job: no frame", () => {
    assert.equal(jobFrame(svc({ Replicated: { Replicas: 1 } }), []), undefined);
  });
  it("a replicated job is done at TotalCompletions, or when nothing is left to run", () => {
    const job = svc({ ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 2 } });
    assert.equal(jobFrame(job, [])!.done, false, "no task yet: the job has not begun");
    assert.equal(jobFrame(job, [task("complete", "shutdown"), task("running", "running")])!.done, false);
    const f = jobFrame(job, [task("complete", "shutdown"), task("complete", "shutdown")])!;
    assert.equal(f.done, true);
    assert.equal(f.lines[0]!.text, "2 out of 2 complete");
    assert.equal(jobFrame(job, [task("complete", "shutdown"), task("failed", "shutdown")])!.done, true, "out of retries");
  });
  it("a global job: every node's task", () => {
    const job = svc({ GlobalJob: {} });
    assert.equal(jobFrame(job, [task("complete", "shutdown", "n1"), task("pending", "running", "n2")])!.done, false);
    assert.equal(jobFrame(job, [task("complete", "shutdown", "n1"), task("complete", "shutdown", "n2")])!.done, true);
  });
});
