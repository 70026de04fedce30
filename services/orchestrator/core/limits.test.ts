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
