import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Service, Task } from "../../schemas/api.js";
import { render } from "./progress.js";
import { ProgressTracker, upToDate } from "./update-progress.js";

const BAR = `[${"=".repeat(50)}>]`;
const svc = (image: string, status?: Service["UpdateStatus"], monitorNs?: number): Service => ({
  ID: "s1", Version: { Index: 1 }, CreatedAt: "t", UpdatedAt: "t",
  Spec: {
    Name: "web", Mode: { Replicated: { Replicas: 2 } }, TaskTemplate: { ContainerSpec: { Image: image } },
    ...(monitorNs !== undefined ? { UpdateConfig: { Monitor: monitorNs } } : {}),
  },
  ...(status ? { UpdateStatus: status } : {}),
});
let n = 0;
const task = (slot: number, image: string, state: Task["Status"]["State"], desired: Task["DesiredState"] = "running"): Task => ({
  ID: `t${++n}`, Version: { Index: 1 }, CreatedAt: `2026-01-01T00:00:${String(n).padStart(2, "0")}Z`, UpdatedAt: "t", ServiceID: "s1",
  ServiceName: "web", Slot: slot, Spec: { ContainerSpec: { Image: image } }, Status: { Timestamp: "t", State: state, Message: "" }, DesiredState: desired,
});
const text = (lines: { id: string; text: string }[]) => lines.map(render);

describe("update progress", () => {
  it("tracks only the tasks of the current spec", () => {
    const old = [task(1, "img:1", "running"), task(2, "img:1", "running")];
    assert.equal(upToDate(svc("img:2"), old).length, 0);
    const p = new ProgressTracker("web", 1000);
    const s1 = p.step(svc("img:2", { State: "updating", Message: "update in progress" }), [...old, task(1, "img:2", "running")], [], 0);
    assert.deepEqual(text(s1.lines), ["update: update in progress", "overall progress: 1 out of 2 tasks", `1/2: running   ${BAR}`, "2/2:"]);
    assert.equal(s1.done, false);
  });

  it("shows why the updater waits, counts the monitor down, then converges", () => {
    const p = new ProgressTracker("web");
    const waiting = p.step(svc("img:2", { State: "updating", Message: "waiting for task t9 to be scheduled: no suitable node" }, 2e9),
      [task(1, "img:2", "running"), task(2, "img:2", "pending")], [], 0);
    assert.equal(text(waiting.lines)[0], "update: waiting for task t9 to be scheduled: no suitable node");
    const tasks = [task(1, "img:2", "running"), task(2, "img:2", "running")];
    const first = p.step(svc("img:2", { State: "updating", Message: "update in progress" }, 2e9), tasks, [], 1000);
    assert.equal(text(first.lines).at(-1), "verify: Waiting 2 seconds to verify that tasks are stable...");
    const end = p.step(svc("img:2", { State: "completed", Message: "update completed" }, 2e9), tasks, [], 3000);
    assert.deepEqual([end.done, text(end.lines).at(-1)], [true, "verify: Service web converged"]);
    assert.equal(text(end.lines)[0], "update: update completed");
  });

  it("a task failing during the monitor period is reported", () => {
    const p = new ProgressTracker("web", 5000);
    p.step(svc("img:2"), [task(1, "img:2", "running"), task(2, "img:2", "running")], [], 0);
    const s = p.step(svc("img:2"), [task(1, "img:2", "running"), task(2, "img:2", "failed")], [], 1000);
    assert.equal(text(s.lines).at(-1), "verify: Detected task failure");
  });

  it("rollback: the reason first, then `rolling back update:`", () => {
    const p = new ProgressTracker("web", 0);
    const s = p.step(svc("img:1", { State: "rollback_started", Message: "manually requested rollback" }),
      [task(1, "img:2", "running", "shutdown"), task(1, "img:1", "running"), task(2, "img:2", "running")], [], 0);
    assert.deepEqual(text(s.lines).slice(0, 2), ["rollback: manually requested rollback", "overall progress: rolling back update: 1 out of 2 tasks"]);
    const done = p.step(svc("img:1", { State: "rollback_completed", Message: "rollback completed" }),
      [task(1, "img:1", "running"), task(2, "img:1", "running")], [], 10);
    assert.equal(done.done, true);
    assert.deepEqual(text(done.lines).slice(0, 2), ["rollback: rollback completed", "overall progress: rolling back update: 2 out of 2 tasks"]);
  });

  it("paused update or rollback ends the wait with Swarm's words", () => {
    const msg = "update paused due to failure or early termination of task t1";
    const p = new ProgressTracker("web");
    assert.equal(p.step(svc("img:2", { State: "paused", Message: msg }), [], [], 0).error, `service update paused: ${msg}`);
    assert.equal(p.step(svc("img:2", { State: "rollback_paused", Message: "rollback paused due to x" }), [], [], 0).error,
      "service rollback paused: rollback paused due to x");
  });
});
