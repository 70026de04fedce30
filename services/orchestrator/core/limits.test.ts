import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SPEC_LIMITS } from "../../../schemas/index.js";
import { Given, summary } from "./test-fixture.js";
import { nextWakeup, plan } from "./plan.js";

const HELD = "service paused: 1000000000 replicas is over the limit of 10000 replicas per service; update the service to resume";

describe("plan: a spec over the limits already in the log", () => {
  it("given 10⁹ replicas in the log, then no task is planned and the service is paused once, saying why", () => {
    const given = new Given().node("n1").service("huge", 1e9);
    const events = given.plan("huge");
    assert.deepEqual(summary(events), [`status:paused:${HELD}`]);
    assert.deepEqual(events[0]?.data, { serviceId: "huge", state: "paused", message: HELD });
    given.apply(events);
    assert.deepEqual(given.plan("huge"), [], "the status is recorded once");
    assert.equal(nextWakeup(given.state, "huge", given.now), undefined);
  });

  it("its existing tasks are neither scaled nor restarted while held; an update within the limits resumes it", () => {
    const given = new Given().node("n1").service("web", 2).converge("web").runAll("web", "n1");
    given.scale("web", 1e9).status("t-web:1:0", "failed");
    given.apply(given.plan("web"));
    assert.deepEqual(given.plan("web"), []);
    assert.equal(given.tasks("web").length, 2);
    given.scale("web", 3);
    assert.deepEqual(summary(given.plan("web")).filter((s) => s.startsWith("TaskCreated")).length, 2, "slot 1's replacement and slot 3");
  });

  it("the limit is the planner's argument: a larger configured limit plans the tasks", () => {
    const given = new Given().node("n1").service("big", 12_000);
    const events = plan(given.state, "big", given.now, (s) => s, { ...SPEC_LIMITS, maxReplicas: 20_000 });
    assert.equal(events.filter((e) => e.type === "TaskCreated").length, 12_000);
  });
});

describe("plan: the restart budget", () => {
  const budget = { ...SPEC_LIMITS, maxRestartsPerMinute: 4 };
  /** Fails every running task of "web", then plans with the small budget until nothing is left; returns all planned events. */
  function failAll(given: Given): ReturnType<typeof plan> {
    for (const t of given.tasks("web")) if (t.state === "running") given.status(t.id, "failed");
    const all: ReturnType<typeof plan> = [];
    for (let i = 0; i < 10; i++) {
      const events = plan(given.state, "web", given.now, (s) => `t-${s}`, budget);
      if (events.length === 0) break;
      given.apply(events);
      all.push(...events);
    }
    return all;
  }

  it("given tasks that keep failing (Delay 0), when the service reaches 4 restarts in a minute, then it is paused once and nothing more is created or promoted until an update", () => {
    const given = new Given().node("n1").service("web", 2, { Delay: 0 }).converge("web").runAll("web", "n1");
    assert.equal(failAll(given).filter((e) => e.type === "TaskCreated").length, 2);
    given.runAll("web", "n1").advance(1000);
    const second = failAll(given);
    // The 4th restart reaches the limit: the service is paused (its new replacements stay held).
    assert.deepEqual(summary(second).filter((s) => !s.startsWith("desired:")), [
      "TaskCreated:t-web:1:2", "TaskCreated:t-web:2:2",
      "status:paused:service paused: 4 restarts in the last minute reached the limit of 4 per service (a restart storm); update the service to resume",
    ]);
    assert.equal(given.tasks("web").filter((t) => t.desiredState === "running").length, 0);
    given.advance(5 * 60_000);
    assert.deepEqual(plan(given.state, "web", given.now, (s) => `t-${s}`, budget), [], "still held a while later: no event, no task");
    given.scale("web", 2, { Delay: 0 });
    // An update resumes: the held replacements are promoted.
    assert.deepEqual(summary(plan(given.state, "web", given.now, (s) => `t-${s}`, budget)), ["desired:t-web:1:2:running", "desired:t-web:2:2:running"]);
  });

  it("a rolling update's replacements are not restarts", () => {
    const given = new Given().node("n1").service("web", 6).converge("web").runAll("web", "n1");
    given.update("web", { Image: "busybox:2", UpdateConfig: { Parallelism: 0 } });
    const events = plan(given.state, "web", given.now, (s) => `t-${s}`, budget);
    assert.equal(events.filter((e) => e.type === "TaskCreated").length, 6);
    given.apply(events);
    assert.equal(plan(given.state, "web", given.now, (s) => `t-${s}`, budget).some((e) => e.type === "ServiceUpdateStatusChanged" && (e.data as { state: string }).state === "paused"), false);
  });
});
