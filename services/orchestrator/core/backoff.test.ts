import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Given, NS, SEC, summary } from "./test-fixture.js";
import { nextWakeup } from "./plan.js";
import { backoffMs, BACKOFF_CAP_MS, restartPolicy } from "./restart.js";

const MIN = 60 * SEC;

/** The restart delay of the newest task of slot 1 (its restartAt − now), in ms. */
function heldFor(given: Given): number {
  const held = given.tasks("web").filter((t) => t.desiredState === "ready").at(-1);
  assert.ok(held?.restartAt, "a held replacement");
  return Math.round((Date.parse(held.restartAt) - given.clock) / SEC) * SEC;
}

/** Plans and applies until nothing is left, each append landing 3 ms after its pass decided (as in a real log). */
function convergeLate(given: Given): Given {
  for (let i = 0; i < 10; i++) {
    const planned = given.plan("web");
    if (planned.length === 0) return given;
    given.advance(3).apply(planned);
  }
  throw new Error("did not converge");
}

/**
 * Task n of slot 1 fails while preparing (as an image that cannot be pulled does), then the planner
 * runs until the slot's next replacement exists; returns that replacement's delay.
 */
function failAndWaitForReplacement(given: Given, n: number): number {
  convergeLate(given.assign(`t-web:1:${n}`, "n1").status(`t-web:1:${n}`, "rejected", { err: "No such image: nosuch:1" }));
  const wake = nextWakeup(given.state, "web", given.now);
  if (!given.state.tasks.has(`t-web:1:${n + 1}`)) {
    // Failed inside its own delay: nothing is created until that delay is over.
    assert.ok(wake, "a wake-up at the end of the failed task's delay");
    convergeLate(given.advance(wake.getTime() - given.clock));
  }
  return heldFor(given);
}

describe("restart back-off (consecutive failures of a slot)", () => {
  it("Delay × 2^(n−1), capped at 5 minutes; Delay 0 stays immediate; a Delay above the cap is kept", () => {
    const p = restartPolicy({ ContainerSpec: { Image: "x" } });
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 40].map((n) => backoffMs(p, n)), [5, 10, 20, 40, 80, 160, 300, 300].map((s) => s * SEC));
    assert.equal(BACKOFF_CAP_MS, 5 * MIN);
    assert.equal(backoffMs(restartPolicy({ ContainerSpec: { Image: "x" }, RestartPolicy: { Delay: 0 } }), 9), 0);
    assert.equal(backoffMs(restartPolicy({ ContainerSpec: { Image: "x" }, RestartPolicy: { Delay: 600 * NS } }), 9), 10 * MIN);
  });

  it("given a task that fails while preparing, when each replacement fails the same way, then the next one is created only after the delay, which doubles", () => {
    const given = new Given().node("n1").service("web", 1).converge("web");
    const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => failAndWaitForReplacement(given, n));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 160, 300].map((s) => s * SEC));
  });

  it("a held replacement that fails before its restart time is shut down, not replaced at once", () => {
    const given = new Given().node("n1").service("web", 1).converge("web");
    given.assign("t-web:1:0", "n1").status("t-web:1:0", "rejected").converge("web");
    given.assign("t-web:1:1", "n1").status("t-web:1:1", "rejected");
    assert.deepEqual(summary(given.plan("web")), ["desired:t-web:1:1:shutdown"]);
    given.converge("web");
    assert.deepEqual(nextWakeup(given.state, "web", given.now), new Date(given.clock + 5 * SEC));
  });

  it("a task that ran 10 s resets the back-off; one that ran less does not", () => {
    const given = new Given().node("n1").service("web", 1).converge("web");
    for (const n of [0, 1, 2]) failAndWaitForReplacement(given, n);
    given.advance(20 * SEC).converge("web").assign("t-web:1:3", "n1").status("t-web:1:3", "running");
    given.advance(9 * SEC).status("t-web:1:3", "failed").converge("web");
    assert.equal(heldFor(given), 40 * SEC, "ran 9 s: the fourth failure in a row");
    given.advance(40 * SEC).converge("web").assign("t-web:1:4", "n1").status("t-web:1:4", "running");
    given.advance(10 * SEC).status("t-web:1:4", "failed").converge("web");
    assert.equal(heldFor(given), 5 * SEC, "ran 10 s: back to Delay");
  });

  it("a spec update starts the count afresh", () => {
    const given = new Given().node("n1").service("web", 1).converge("web");
    for (const n of [0, 1, 2]) failAndWaitForReplacement(given, n);
    given.update("web", { Image: "busybox:2" }).converge("web");
    const fresh = given.tasks("web").filter((t) => t.desiredState === "running" && t.state === "pending");
    assert.equal(fresh.length, 1);
    given.assign(fresh[0]!.id, "n1").status(fresh[0]!.id, "rejected").converge("web");
    assert.equal(heldFor(given), 5 * SEC);
  });
});
