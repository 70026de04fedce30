import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Given, NS, SEC, summary } from "./test-fixture.js";
import { nextWakeup } from "./plan.js";

/** One service "web" with one task running on n1. */
function running(restart?: Parameters<Given["service"]>[2]): Given {
  return new Given().node("n1").service("web", 1, restart).converge("web").runAll("web", "n1");
}

describe("plan: restart supervisor", () => {
  it("a failed task is shut down and replaced in its slot, held until the delay", () => {
    const given = running().status("t-web:1:0", "failed");
    const events = given.plan("web");
    assert.deepEqual(summary(events), ["TaskCreated:t-web:1:1", "desired:t-web:1:0:shutdown"]);
    assert.deepEqual(events[0]?.data, {
      taskId: "t-web:1:1", serviceId: "web", serviceName: "web", slot: 1,
      spec: { ContainerSpec: { Image: "busybox" } }, specVersion: given.state.services.get("web")?.specVersion, desiredState: "ready", state: "pending",
      restartAt: new Date(given.clock + 5 * SEC).toISOString(), replaces: "t-web:1:0",
    });
  });

  it("promotes the replacement only once the delay has passed", () => {
    const given = running().status("t-web:1:0", "failed").converge("web");
    assert.deepEqual(nextWakeup(given.state, "web", given.now), new Date(given.clock + 5 * SEC));
    given.advance(4 * SEC);
    assert.deepEqual(given.plan("web"), []);
    given.advance(1 * SEC);
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:1:running"]);
  });

  it("waits for the old task to stop, or one minute", () => {
    const given = running({ Delay: 0 }).node("n2").availability("n1", "drain");
    given.apply(given.plan("web"));
    // Drained: the old task still runs; its replacement is held without a delay.
    const replacement = given.state.tasks.get("t-web:1:1");
    assert.equal(replacement?.desiredState, "ready");
    assert.equal(replacement?.restartAt, undefined);
    assert.deepEqual(given.plan("web"), []);
    assert.deepEqual(nextWakeup(given.state, "web", given.now), new Date(given.clock + 60 * SEC));
    given.status("t-web:1:0", "shutdown");
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:1:running"]);
  });

  it("promotes after the one-minute timeout when the old task never reports", () => {
    const given = running().availability("n1", "drain");
    given.apply(given.plan("web")).advance(59 * SEC);
    assert.deepEqual(given.plan("web"), []);
    given.advance(1 * SEC);
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:1:running"]);
  });

  it("a node going down replaces its running tasks at once: no restart delay (the task did not fail), no wait for the lost task", () => {
    const given = running().node("n1", "down");
    const events = given.plan("web");
    assert.deepEqual(summary(events), ["TaskCreated:t-web:1:1", "desired:t-web:1:0:shutdown"]);
    assert.equal((events[0]?.data as { restartAt?: string }).restartAt, undefined);
    given.apply(events);
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:1:running"]);
  });

  it("a task that failed on a node that then went down still waits for the delay", () => {
    const given = running().status("t-web:1:0", "failed").node("n1", "down");
    const events = given.plan("web");
    assert.equal((events[0]?.data as { restartAt?: string }).restartAt, new Date(given.clock + 5 * SEC).toISOString());
  });

  it("given a pass cut short after the replacement was created (its old task's shutdown never appended) and the node back, when the next pass runs, then the old task is shut down", () => {
    const given = running().node("n1", "down");
    const [created] = given.plan("web");
    assert.equal(created?.type, "TaskCreated");
    given.apply([created!]).node("n1", "ready"); // the shutdown append failed; the node came back
    // Without this, the slot would keep its old task running and promote the replacement too.
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:0:shutdown"]);
    given.converge("web").advance(5 * SEC).status("t-web:1:0", "shutdown");
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:1:running"]);
  });

  it("an unknown, disconnected or paused node triggers nothing", () => {
    assert.deepEqual(running().node("n1", "unknown").plan("web"), []);
    assert.deepEqual(running().node("n1", "disconnected").plan("web"), []);
    assert.deepEqual(running().availability("n1", "pause").plan("web"), []);
  });

  it("condition none: shut down, not replaced, and the slot is not refilled", () => {
    const given = running({ Condition: "none" }).status("t-web:1:0", "failed");
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:0:shutdown"]);
    given.apply(given.plan("web")).advance(60 * SEC);
    assert.deepEqual(given.plan("web"), []);
  });

  it("condition on-failure: a task that completed is not replaced, one that failed is", () => {
    const ok = running({ Condition: "on-failure" }).status("t-web:1:0", "complete");
    assert.deepEqual(summary(ok.plan("web")), ["desired:t-web:1:0:shutdown"]);
    const failed = running({ Condition: "on-failure" }).status("t-web:1:0", "failed");
    assert.deepEqual(summary(failed.plan("web")), ["TaskCreated:t-web:1:1", "desired:t-web:1:0:shutdown"]);
  });

  it("max attempts: stops replacing after MaxAttempts restarts of the slot", () => {
    const given = running({ MaxAttempts: 2, Delay: 0 });
    for (let n = 0; n < 2; n++) {
      given.status(`t-web:1:${n}`, "failed").converge("web");
      given.runAll("web", "n1");
      assert.equal(given.state.tasks.get(`t-web:1:${n + 1}`)?.state, "running");
    }
    given.status("t-web:1:2", "failed");
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:2:shutdown"]);
  });

  it("max attempts with a window counts only recent restarts", () => {
    const given = running({ MaxAttempts: 1, Delay: 0, Window: 10 * NS });
    given.status("t-web:1:0", "failed").converge("web").runAll("web", "n1").advance(11 * SEC);
    given.status("t-web:1:1", "failed");
    assert.deepEqual(summary(given.plan("web")), ["TaskCreated:t-web:1:2", "desired:t-web:1:1:shutdown"]);
  });

  it("a replica scale-down drops a pending restart instead of replacing", () => {
    const given = new Given().node("n1").service("web", 2).converge("web").runAll("web", "n1");
    given.status("t-web:2:0", "failed").scale("web", 1);
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:2:0:remove"]);
  });

  it("recovers a shutdown without a replacement (a crash between two appends)", () => {
    const given = running().status("t-web:1:0", "failed");
    given.apply(given.plan("web").filter((p) => p.type !== "TaskCreated"));
    assert.deepEqual(summary(given.plan("web")), ["TaskCreated:t-web:1:1"]);
  });
});
