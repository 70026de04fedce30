import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { taskStateRank, type UpdateConfig } from "../../../schemas/index.js";
import { isTaskDirty, type TaskView } from "../../shared/model/index.js";
import { Given, NS, SEC, summary } from "./test-fixture.js";
import { nextWakeup } from "./plan.js";

/*
 * Given/when/then for the rolling updater: a "web" service on node n1, updated from busybox to
 * busybox:2. `tick` plays one orchestrator pass and then the agent (stop what must stop, run
 * what must run), as the real stack would.
 */

const RUNNING = taskStateRank("running");

function agent(g: Given, id = "web"): Given {
  for (const t of g.tasks(id)) {
    if (taskStateRank(t.desiredState) > RUNNING && t.state === "running") g.status(t.id, "shutdown");
    else if (t.desiredState === "running" && t.state === "pending") g.assign(t.id, "n1").status(t.id, "running");
  }
  return g;
}

function tick(g: Given, ms = 0, id = "web"): Given {
  g.advance(ms);
  g.apply(g.plan(id));
  return agent(g, id);
}

function webOn(replicas: number, cfg: UpdateConfig = {}, restart = {}): Given {
  const g = new Given().node("n1").service("web", replicas, restart).converge("web").runAll("web", "n1");
  return g.update("web", { UpdateConfig: cfg, Image: "busybox:2" });
}

const image = (g: Given, taskId: string) => g.state.tasks.get(taskId)?.spec.ContainerSpec.Image;
const live = (g: Given) => g.tasks("web").filter((t) => t.desiredState === "running");
const onNew = (g: Given) => live(g).filter((t) => t.spec.ContainerSpec.Image === "busybox:2" && t.state === "running");
const status = (g: Given) => g.state.services.get("web")?.updateStatus;

describe("updater: dirty tasks (reference §3.7)", () => {
  const base = () => new Given().node("n1").service("web", 2).converge("web").runAll("web", "n1");
  const dirtyAfter = (change: (g: Given) => Given) => {
    const g = change(base());
    const svc = g.state.services.get("web")!;
    return g.tasks("web").map((t) => isTaskDirty(t, svc));
  };

  it("an image change dirties every task", () => {
    assert.deepEqual(dirtyAfter((g) => g.update("web", { Image: "busybox:2" })), [true, true]);
  });
  it("labels, replicas and update/rollback configs dirty nothing", () => {
    assert.deepEqual(dirtyAfter((g) => g.update("web", { Labels: { a: "b" } })), [false, false]);
    assert.deepEqual(dirtyAfter((g) => g.scale("web", 3)), [false, false]);
    assert.deepEqual(dirtyAfter((g) => g.update("web", { UpdateConfig: { Parallelism: 3 }, RollbackConfig: { Delay: NS } })), [false, false]);
  });
  it("a ForceUpdate bump dirties every task", () => {
    assert.deepEqual(dirtyAfter((g) => g.update("web", { TaskTemplate: { ContainerSpec: { Image: "busybox" }, ForceUpdate: 1 } })), [true, true]);
  });
  it("adding a secret, or moving a reference to another payload version (rotate), dirties every task", () => {
    const withSecret = (Version: number) => ({ TaskTemplate: { ContainerSpec: { Image: "busybox", Secrets: [{ SecretID: "s1", SecretName: "db", Version }] } } });
    assert.deepEqual(dirtyAfter((g) => g.update("web", withSecret(1))), [true, true]);
    const g = base().update("web", withSecret(1));
    for (const t of g.tasks("web")) g.state.tasks.set(t.id, { ...t, spec: g.state.services.get("web")!.spec.TaskTemplate, specVersion: g.state.services.get("web")!.specVersion });
    assert.deepEqual(dirtyAfter(() => g.update("web", withSecret(1))), [false, false], "same reference, same version: clean");
    assert.deepEqual(dirtyAfter(() => g.update("web", withSecret(2))), [true, true]);
  });
  it("a labels-only update starts no update at all", () => {
    const g = base().update("web", { Labels: { a: "b" } });
    assert.deepEqual(g.plan("web"), []);
  });
});

describe("updater: slots, parallelism, order", () => {
  it("starts the update: status updating, then stop-first on one slot (parallelism 1)", () => {
    const g = webOn(2);
    assert.deepEqual(summary(g.plan("web")), [
      "TaskCreated:t-web:1:1", "desired:t-web:1:0:shutdown", "status:updating:update in progress",
    ]);
    const created = g.plan("web")[0]!.data as { desiredState: string; replaces: string };
    assert.equal(created.desiredState, "ready");
    assert.equal(created.replaces, "t-web:1:0");
  });

  it("stop-first: the new task runs only once the old one has stopped; never two running", () => {
    const g = webOn(2);
    g.apply(g.plan("web"));
    assert.deepEqual(g.plan("web"), [], "waits for the old task to stop");
    g.status("t-web:1:0", "shutdown");
    assert.deepEqual(summary(g.plan("web")), ["desired:t-web:1:1:running"]);
    for (let i = 0; i < 6; i++) {
      tick(g);
      for (const slot of [1, 2]) {
        const running = g.tasks("web").filter((t) => t.slot === slot && t.state === "running");
        assert.ok(running.length <= 1, `slot ${slot} has ${running.length} running tasks`);
      }
    }
    assert.equal(onNew(g).length, 2);
  });

  it("start-first: the new task starts at once, the old stops once the new one runs", () => {
    const g = webOn(1, { Order: "start-first" });
    const first = g.plan("web");
    assert.deepEqual(summary(first), ["TaskCreated:t-web:1:1", "status:updating:update in progress"]);
    assert.equal((first[0]!.data as { desiredState: string }).desiredState, "running");
    g.apply(first);
    assert.deepEqual(g.plan("web"), [], "the old task keeps running while the new one starts");
    g.assign("t-web:1:1", "n1").status("t-web:1:1", "running");
    assert.deepEqual(summary(g.plan("web")), ["desired:t-web:1:0:shutdown"]);
  });

  it("parallelism 2 on 4 slots: never more than 2 in flight", () => {
    const g = webOn(4, { Parallelism: 2 });
    g.apply(g.plan("web"));
    const fresh = g.tasks("web").filter((t) => image(g, t.id) === "busybox:2");
    assert.deepEqual(fresh.map((t) => t.slot), [1, 2]);
    g.status("t-web:1:0", "shutdown").status("t-web:2:0", "shutdown");
    g.apply(g.plan("web")); // promotes both
    assert.equal(g.tasks("web").filter((t) => image(g, t.id) === "busybox:2").length, 2, "no third slot while two are in flight");
    g.assign("t-web:1:1", "n1").status("t-web:1:1", "running");
    const next = summary(g.plan("web"));
    assert.ok(next.includes("TaskCreated:t-web:3:1"), next.join(" "));
    assert.ok(!next.includes("TaskCreated:t-web:4:1"), next.join(" "));
  });

  it("parallelism 0 updates every slot at once", () => {
    const g = webOn(3, { Parallelism: 0 });
    assert.equal(summary(g.plan("web")).filter((s) => s.startsWith("TaskCreated")).length, 3);
  });

  it("delay: the next slot starts Delay after the previous one reached running", () => {
    const g = webOn(2, { Delay: 2 * NS });
    for (let i = 0; i < 3; i++) tick(g);
    assert.equal(onNew(g).length, 1);
    const runningAt = Date.parse(g.state.tasks.get("t-web:1:1")!.runningAt!);
    assert.deepEqual(nextWakeup(g.state, "web", g.now), new Date(runningAt + 2 * SEC));
    assert.equal(status(g)?.message, "update in progress: waiting 2s (update delay) before updating the next task");
    tick(g, 1999);
    assert.ok(!g.state.tasks.has("t-web:2:1"), "not before the delay");
    tick(g, 1);
    assert.ok(g.state.tasks.has("t-web:2:1"), "right after the delay");
  });

  it("an unschedulable new task: the reason goes into the status message, once", () => {
    const g = webOn(1);
    g.apply(g.plan("web")).status("t-web:1:0", "shutdown").apply(g.plan("web"));
    g.event("TaskUnschedulable", "task", "t-web:1:1", { taskId: "t-web:1:1", err: "no suitable node (1 node not available for new tasks)" });
    assert.deepEqual(summary(g.plan("web")), [
      "status:updating:update in progress: waiting for task t-web:1:1 to be scheduled: no suitable node (1 node not available for new tasks)",
    ]);
    g.apply(g.plan("web"));
    assert.deepEqual(g.plan("web"), [], "the same reason is not appended again");
  });

  it("resumes from the log alone: a pass on the same state decides the same, nothing twice", () => {
    const g = webOn(3, { Parallelism: 2 });
    g.apply(g.plan("web"));
    assert.deepEqual(summary(g.plan("web")), [], "in flight slots are not started again");
  });
});

describe("updater: completion and the monitor window", () => {
  it("completes only after the last slot has been watched for Monitor", () => {
    const g = webOn(1, { Monitor: 3 * NS });
    for (let i = 0; i < 3; i++) tick(g);
    assert.equal(onNew(g).length, 1);
    assert.equal(status(g)?.state, "updating");
    const runningAt = Date.parse(g.state.tasks.get("t-web:1:1")!.runningAt!);
    assert.deepEqual(nextWakeup(g.state, "web", g.now), new Date(runningAt + 3 * SEC));
    tick(g, 2999);
    assert.equal(status(g)?.state, "updating");
    g.advance(1);
    assert.deepEqual(summary(g.plan("web")), ["status:completed:update completed"]);
    tick(g);
    assert.deepEqual(g.plan("web"), []);
  });

  it("a failure inside the monitor window pauses; one after it does not", () => {
    const inside = webOn(1, { Monitor: 3 * NS });
    for (let i = 0; i < 3; i++) tick(inside);
    inside.advance(2 * SEC).status("t-web:1:1", "failed", { err: "task: non-zero exit (3)", exitCode: 3 });
    assert.ok(summary(inside.plan("web")).includes(
      "status:paused:update paused due to failure or early termination of task t-web:1:1: task: non-zero exit (3)"));

    const after = webOn(2, { Monitor: 3 * NS });
    for (let i = 0; i < 3; i++) tick(after);
    after.advance(4 * SEC).status("t-web:1:1", "failed", { err: "task: non-zero exit (3)" });
    assert.ok(!summary(after.plan("web")).some((s) => s.startsWith("status:paused")));
  });
});

describe("updater: failures, pause and rollback", () => {
  function failingUpdate(cfg: UpdateConfig, replicas = 1): Given {
    const g = webOn(replicas, cfg, { Delay: 0 });
    tick(tick(g)); // slot 1's new task is running
    assert.equal(g.state.tasks.get("t-web:1:1")?.state, "running");
    g.status("t-web:1:1", "failed", { err: "task: non-zero exit (3)", exitCode: 3 });
    return g;
  }

  it("pause: status paused naming the task and its error; nothing more is updated; restarts go on", () => {
    const g = failingUpdate({}, 2);
    const events = summary(g.plan("web"));
    assert.ok(events.includes("status:paused:update paused due to failure or early termination of task t-web:1:1: task: non-zero exit (3)"), events.join(" "));
    assert.ok(events.includes("TaskCreated:t-web:1:2"), "the restart policy still applies");
    assert.ok(!events.includes("TaskCreated:t-web:2:1"), "no further slot is updated");
    tick(g);
    assert.equal(status(g)?.state, "paused");
    tick(g);
    assert.ok(!g.state.tasks.has("t-web:2:1"), "paused: slot 2 stays on the old spec");
  });

  it("continue: a failure is ignored", () => {
    const g = failingUpdate({ FailureAction: "continue" }, 2);
    assert.ok(!summary(g.plan("web")).some((s) => s.startsWith("status:paused")));
  });

  it("max failure ratio 0.5 on 4 slots: one failure does not stop the update", () => {
    const g = failingUpdate({ MaxFailureRatio: 0.5 }, 4);
    const events = summary(g.plan("web"));
    assert.ok(!events.some((s) => s.startsWith("status:paused")), events.join(" "));
    assert.ok(events.includes("TaskCreated:t-web:2:1"), events.join(" "));
  });

  it("rollback: the spec goes back, then the updater rolls every slot back and completes", () => {
    const g = failingUpdate({ FailureAction: "rollback" }, 2);
    assert.deepEqual(summary(g.plan("web")).filter((s) => s.startsWith("rolled-back")), [
      "rolled-back:update rolled back due to failure or early termination of task t-web:1:1: task: non-zero exit (3)",
    ]);
    tick(g);
    assert.equal(status(g)?.state, "rollback_started");
    assert.equal(g.state.services.get("web")?.spec.TaskTemplate.ContainerSpec.Image, "busybox");
    for (let i = 0; i < 12; i++) tick(g, 1000);
    assert.equal(status(g)?.state, "rollback_completed");
    assert.equal(status(g)?.message, "rollback completed");
    assert.deepEqual(live(g).map((t) => t.spec.ContainerSpec.Image), ["busybox", "busybox"]);
  });

  it("a failure while rolling back pauses the rollback", () => {
    const g = webOn(1, {}, { Delay: 0 });
    for (let i = 0; i < 6; i++) tick(g, 1000);
    g.advance(10 * SEC).rollback("web");
    for (let i = 0; i < 3; i++) tick(g);
    const t = live(g).find((x) => x.spec.ContainerSpec.Image === "busybox")!;
    g.status(t.id, "failed", { err: "task: non-zero exit (1)" });
    assert.ok(summary(g.plan("web")).includes(
      `status:rollback_paused:rollback paused due to failure or early termination of task ${t.id}: task: non-zero exit (1)`));
  });

  it("manual rollback: rolls back with RollbackConfig and ends rollback_completed", () => {
    const g = new Given().node("n1").service("web", 2).converge("web").runAll("web", "n1");
    g.update("web", { RollbackConfig: { Parallelism: 1 } });
    g.update("web", { UpdateConfig: { Parallelism: 0 }, Image: "busybox:2" });
    for (let i = 0; i < 6; i++) tick(g, 2000);
    assert.equal(status(g)?.state, "completed");
    g.rollback("web");
    assert.equal(status(g)?.state, "rollback_started");
    const first = summary(g.plan("web")).filter((s) => s.startsWith("TaskCreated"));
    assert.equal(first.length, 1, "RollbackConfig (parallelism 1) applies, not UpdateConfig (0)");
    for (let i = 0; i < 10; i++) tick(g, 2000);
    assert.equal(status(g)?.state, "rollback_completed");
    assert.deepEqual(live(g).map((t) => t.spec.ContainerSpec.Image), ["busybox", "busybox"]);
  });
});

describe("updater: restart policy and history", () => {
  it("restart-max-attempts 2 with a crashing command: exactly 2 restarts, then the slot stays failed", () => {
    const g = new Given().node("n1").service("web", 1, { MaxAttempts: 2, Delay: 0 }).converge("web").runAll("web", "n1");
    for (let n = 0; n < 5; n++) {
      const t = live(g)[0];
      if (!t) break;
      g.advance(1000).status(t.id, "failed", { exitCode: 1 });
      tick(tick(g));
    }
    assert.equal(g.tasks("web").length, 3, "the original and 2 restarts");
    assert.equal(live(g).length, 0);
  });

  it("a task the update put in a slot is not counted as a restart", () => {
    const g = webOn(1, {}, { MaxAttempts: 1, Delay: 0 });
    for (let i = 0; i < 3; i++) tick(g);
    g.advance(10 * SEC).status("t-web:1:1", "failed", { exitCode: 1 });
    assert.ok(summary(g.plan("web")).includes("TaskCreated:t-web:1:2"), "one restart is still allowed");
  });

  it("the reaper honours a task history limit changed by ClusterUpdated", () => {
    const g = new Given().node("n1");
    g.event("ClusterInitialized", "cluster", "c", { clusterId: "c", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 5000, taskHistoryLimit: 5 });
    g.service("web", 1, { Delay: 0 }).converge("web").runAll("web", "n1");
    for (let n = 0; n < 3; n++) {
      g.advance(1000).status(live(g)[0]!.id, "failed");
      tick(tick(g));
    }
    assert.equal(g.tasks("web").length, 4);
    g.event("ClusterUpdated", "cluster", "c", { taskHistoryLimit: 2 });
    tick(g);
    assert.equal(g.tasks("web").length, 2);
  });
});

describe("updater: a node lost while updating (after a bus outage)", () => {
  /** Slots whose newest runnable task is on the new spec but not running: the update's in-flight set. */
  const inFlight = (g: Given) => {
    const newest = new Map<number, TaskView>();
    for (const t of g.tasks("web")) if (["ready", "running"].includes(t.desiredState)) newest.set(t.slot, t);
    return [...newest.values()].filter((t) => t.spec.ContainerSpec.Image === "busybox:2" && t.state !== "running").length;
  };
  /** The agent, with n1 down: tasks go to n2. */
  const agentOn = (g: Given, node: string) => {
    for (const t of g.tasks("web")) {
      if (t.desiredState === "running" && t.state === "pending") g.assign(t.id, node).status(t.id, "running");
    }
    return g;
  };

  it("given 6 slots (parallelism 2) with 2 updated, when n1 goes down, then replacements stay within parallelism", () => {
    const g = webOn(6, { Parallelism: 2 }, { Delay: 0 }).node("n2");
    for (let i = 0; i < 3; i++) tick(g);
    assert.equal(onNew(g).length, 2);
    g.node("n1", "down");
    for (let i = 0; i < 12; i++) {
      g.advance(1000).apply(g.plan("web"));
      assert.ok(inFlight(g) <= 2, `pass ${i}: ${inFlight(g)} slots updating at once`);
      // the agent of n2 runs only what was promoted; a task assigned to n1 never starts
      if (i % 2 === 1) agentOn(g, "n2");
    }
    assert.equal(live(g).filter((t) => t.state === "running" && image(g, t.id) === "busybox:2").length, 6);
    assert.equal(status(g)?.state, "completed");
  });

  it("given every slot updated and inside Monitor, when n1 goes down, then the update is not completed until the replacements run", () => {
    const g = webOn(2, { Parallelism: 0, Monitor: 2 * NS }, { Delay: 0 }).node("n2");
    for (let i = 0; i < 3; i++) tick(g);
    assert.equal(onNew(g).length, 2);
    assert.equal(status(g)?.state, "updating");
    g.advance(3 * SEC).node("n1", "down");
    g.apply(g.plan("web"));
    assert.equal(status(g)?.state, "updating", "no task of the new spec runs: not completed");
    g.apply(g.plan("web"));
    assert.equal(status(g)?.state, "updating");
    agentOn(g, "n2");
    g.advance(1000).apply(g.plan("web"));
    assert.equal(status(g)?.state, "updating", "the replacements are watched for Monitor too");
    g.advance(2 * SEC).apply(g.plan("web"));
    assert.equal(status(g)?.state, "completed");
  });
});
