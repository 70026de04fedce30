import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { TaskState, TaskStatusReport } from "../../../schemas/index.js";
import { PendingReports } from "./pending-reports.js";

const r = (taskId: string, state: TaskState, extra: Partial<TaskStatusReport> = {}): TaskStatusReport =>
  ({ taskId, state, message: state, timestamp: "2026-11-29T00:00:00.000Z", ...extra });

describe("pending reports (one per task, its furthest state)", () => {
  it("a task's steps between two publishes become its latest one, keeping the container id and ports", () => {
    const q = new PendingReports();
    q.add(r("a", "accepted"));
    q.add(r("b", "accepted"));
    q.add(r("a", "preparing"));
    q.add(r("a", "ready", { containerId: "c1" }));
    q.add(r("a", "starting"));
    q.add(r("a", "running", { ports: [{ Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }] }));
    q.add(r("a", "failed", { err: "boom", exitCode: 2 }));
    assert.equal(q.size, 2);
    const [a, b] = q.take(10);
    assert.deepEqual([a!.taskId, a!.state, a!.containerId, a!.err, a!.exitCode, a!.ports?.[0]?.PublishedPort], ["a", "failed", "c1", "boom", 2, 8080]);
    assert.equal(b!.state, "accepted");
    assert.equal(q.size, 0);
  });

  it("an older step arriving late does not replace a further one", () => {
    const q = new PendingReports();
    q.add(r("a", "running", { containerId: "c1" }));
    q.add(r("a", "starting"));
    assert.deepEqual(q.take(1).map((x) => x.state), ["running"]);
  });

  it("take is bounded and oldest task first", () => {
    const q = new PendingReports();
    for (const id of ["t1", "t2", "t3"]) q.add(r(id, "accepted"));
    q.add(r("t1", "preparing"));
    assert.deepEqual(q.take(2).map((x) => `${x.taskId}:${x.state}`), ["t1:preparing", "t2:accepted"]);
    assert.deepEqual(q.take(2).map((x) => x.taskId), ["t3"]);
  });

  it("a batch put back goes in front, and what came since stays newer", () => {
    const q = new PendingReports();
    q.add(r("a", "starting", { containerId: "c1" }));
    q.add(r("b", "preparing"));
    const sent = q.take(10);
    q.add(r("c", "accepted"));
    q.add(r("a", "running"));
    q.putBack(sent);
    const out = q.take(10).map((x) => `${x.taskId}:${x.state}:${x.containerId ?? ""}`);
    assert.deepEqual(out, ["a:running:c1", "b:preparing:", "c:accepted:"]);
  });
});
