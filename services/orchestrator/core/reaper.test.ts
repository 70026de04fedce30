import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Given, summary } from "./test-fixture.js";

/** A running service whose slot-1 task fails `failures` times (delay 0, promoted each time). */
function crashLoop(failures: number, limit?: number): Given {
  const given = new Given().node("n1");
  if (limit !== undefined) {
    given.event("ClusterInitialized", "cluster", "c", {
      clusterId: "c", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 5000, taskHistoryLimit: limit,
    });
  }
  given.service("web", 1, { Delay: 0 }).converge("web").runAll("web", "n1");
  for (let n = 0; n < failures; n++) {
    given.advance(1000).status(`t-web:1:${n}`, "failed").converge("web").runAll("web", "n1");
  }
  return given;
}

describe("plan: task reaper", () => {
  it("keeps at most 5 tasks per slot by default, deleting the oldest ended ones", () => {
    const given = crashLoop(6);
    const ids = given.tasks("web").map((t) => t.id);
    assert.deepEqual(ids, ["t-web:1:2", "t-web:1:3", "t-web:1:4", "t-web:1:5", "t-web:1:6"]);
    assert.equal(given.state.tasks.get("t-web:1:6")?.state, "running");
  });

  it("follows the cluster's task history limit", () => {
    assert.equal(crashLoop(4, 2).tasks("web").length, 2);
  });

  it("keeps everything with a negative limit", () => {
    assert.equal(crashLoop(7, -1).tasks("web").length, 8);
  });

  it("never deletes a task that is still meant to run", () => {
    const given = crashLoop(0, 1).scale("web", 2).converge("web");
    assert.equal(given.runnable("web").length, 2);
    assert.deepEqual(given.plan("web"), []);
  });

  it("never trims a slot's newest task, even with a limit of 0", () => {
    const given = new Given().node("n1");
    given.event("ClusterInitialized", "cluster", "c", {
      clusterId: "c", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 5000, taskHistoryLimit: 0,
    });
    given.service("web", 1, { Condition: "none" }).converge("web").runAll("web", "n1");
    given.status("t-web:1:0", "failed").converge("web");
    assert.deepEqual(given.tasks("web").map((t) => [t.id, t.desiredState]), [["t-web:1:0", "shutdown"]]);
  });

  it("deletes a removed task as soon as it stopped or if it never reached a node", () => {
    const given = new Given().node("n1").service("web", 2).converge("web");
    given.assign("t-web:2:0", "n1").status("t-web:2:0", "running").removeService("web");
    given.apply(given.plan("web"));
    assert.deepEqual(summary(given.plan("web")), ["TaskDeleted:t-web:1:0"]);
    given.apply(given.plan("web")).status("t-web:2:0", "shutdown");
    assert.deepEqual(summary(given.plan("web")), ["TaskDeleted:t-web:2:0"]);
  });
});
