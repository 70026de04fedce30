import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Given, idFor, summary } from "./test-fixture.js";
import { plan } from "./plan.js";

describe("plan: creating and scaling replicated services", () => {
  it("creates one pending task per replica, slots 1..N, desired running", () => {
    const given = new Given().service("web", 3);
    const events = given.plan("web");
    assert.deepEqual(summary(events), ["TaskCreated:t-web:1:0", "TaskCreated:t-web:2:0", "TaskCreated:t-web:3:0"]);
    for (const [i, e] of events.entries()) {
      assert.equal(e.expect, 0);
      assert.equal(e.key, `create:web:${i + 1}:0`);
      assert.deepEqual(e.data, {
        taskId: `t-web:${i + 1}:0`, serviceId: "web", serviceName: "web", slot: i + 1,
        spec: { ContainerSpec: { Image: "busybox" } }, specVersion: 1, desiredState: "running", state: "pending",
      });
    }
  });

  it("has nothing to do once the tasks exist", () => {
    const given = new Given().service("web", 3).converge("web");
    assert.deepEqual(given.plan("web"), []);
  });

  it("is deterministic: the same state gives the same plan", () => {
    const given = new Given().service("web", 2).converge("web").runAll("web", "n1").scale("web", 4);
    assert.deepEqual(plan(given.state, "web", given.now, idFor), plan(given.state, "web", given.now, idFor));
  });

  it("scales 3→5 into slots 4 and 5", () => {
    const given = new Given().service("web", 3).converge("web").scale("web", 5);
    assert.deepEqual(summary(given.plan("web")), ["TaskCreated:t-web:4:0", "TaskCreated:t-web:5:0"]);
  });

  it("scales up into the lowest free slot after a gap, with a fresh id", () => {
    const given = new Given().service("web", 3).converge("web");
    // Slot 2's task is removed by hand (as a scale-down would), leaving a gap.
    given.event("TaskDesiredStateChanged", "task", "t-web:2:0", { taskId: "t-web:2:0", desiredState: "remove" });
    given.scale("web", 3);
    const events = given.plan("web");
    assert.ok(summary(events).includes("TaskCreated:t-web:2:1"), summary(events).join(" "));
    assert.ok(summary(events).includes("TaskDeleted:t-web:2:0"), "the removed, never-assigned task is reaped");
  });

  it("changing only replicas does not touch running tasks", () => {
    const given = new Given().node("n1").service("web", 2).converge("web").runAll("web", "n1").scale("web", 3);
    const events = given.plan("web");
    assert.deepEqual(summary(events), ["TaskCreated:t-web:3:0"]);
  });

  it("scaling 2→1 keeps slot 1", () => {
    const given = new Given().node("n1").service("web", 2).converge("web").runAll("web", "n1").scale("web", 1);
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:2:0:remove"]);
  });

  it("scale-down removes non-running slots first, then higher slots", () => {
    const given = new Given().node("n1").service("web", 4).converge("web");
    given.assign("t-web:1:0", "n1").assign("t-web:3:0", "n1").assign("t-web:4:0", "n1");
    given.status("t-web:3:0", "running").status("t-web:4:0", "running");
    given.scale("web", 2);
    // Running: slots 3 and 4 (kept). Slot 1 is assigned but not running; slot 2 has no node.
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:0:remove", "desired:t-web:2:0:remove"]);
  });

  it("scale-down prefers removing from the node with the most copies", () => {
    const given = new Given().node("n1").node("n2").service("web", 3).converge("web");
    given.assign("t-web:1:0", "n1").assign("t-web:2:0", "n1").assign("t-web:3:0", "n2");
    for (const t of ["t-web:1:0", "t-web:2:0", "t-web:3:0"]) given.status(t, "running");
    given.scale("web", 2);
    // nth copy on its node: slot 1 → 1, slot 2 → 2, slot 3 → 1: slot 2 goes.
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:2:0:remove"]);
  });

  it("a stopped, removed task is deleted; a running one waits", () => {
    const given = new Given().node("n1").service("web", 2).converge("web").runAll("web", "n1").scale("web", 0);
    given.apply(given.plan("web"));
    assert.deepEqual(given.plan("web"), [], "running tasks are not deleted before they stop");
    given.status("t-web:1:0", "shutdown");
    assert.deepEqual(summary(given.plan("web")), ["TaskDeleted:t-web:1:0"]);
  });
});

describe("plan: service rm", () => {
  it("sets desired remove on every task, history included, then reaps the stopped ones", () => {
    const given = new Given().node("n1").service("web", 2).converge("web").runAll("web", "n1");
    given.status("t-web:1:0", "failed").converge("web"); // a historic task in slot 1
    assert.equal(given.tasks("web").length, 3);
    given.removeService("web");
    const events = summary(given.plan("web"));
    assert.deepEqual(events.sort(), ["desired:t-web:1:0:remove", "desired:t-web:1:1:remove", "desired:t-web:2:0:remove"]);
    given.apply(given.plan("web"));
    // t-web:1:0 has failed and t-web:1:1 never reached a node: both go; t-web:2:0 still runs.
    assert.deepEqual(summary(given.plan("web")).sort(), ["TaskDeleted:t-web:1:0", "TaskDeleted:t-web:1:1"]);
  });

  it("expects each task's current version", () => {
    const given = new Given().service("web", 1).converge("web").removeService("web");
    const [e] = given.plan("web");
    assert.equal(e?.expect, given.state.versions.get("swarm.evt.task.t-web:1:0"));
  });
});

describe("plan: tasks that need network resources wait for the allocator", () => {
  const created = (given: Given) => given.plan("web").map((e) => (e.data as { state: string }).state);
  it("a spec attached to a network creates its tasks `new`", () => {
    const given = new Given().service("web", 2).update("web", { TaskTemplate: { ContainerSpec: { Image: "busybox" }, Networks: [{ Target: "net1" }] } });
    assert.deepEqual(created(given), ["new", "new"]);
  });
  it("ingress-published ports (the default publish mode) create `new`; host-mode ports stay `pending`", () => {
    const ingress = new Given().service("web", 1).update("web", { EndpointSpec: { Ports: [{ TargetPort: 80 }] } });
    assert.deepEqual(created(ingress), ["new"]);
    const host = new Given().service("web", 1).update("web", { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }] } });
    assert.deepEqual(created(host), ["pending"]);
  });
});
