import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { initialClusterState, type ClusterState, type NodeView } from "../../shared/model/index.js";
import { subjects } from "../../../schemas/index.js";
import { AFTER_OUTAGE_EXTRA_MS, planLiveness } from "./liveness.js";
import { cameBack, hearing, wentDown, type Outage } from "./outages.js";

/*
 * Given a dispatcher that heard n1 and n2 until 1 s and then lost its connection to the bus, when
 * liveness is judged, then no node is down for beats it could not hear (issue "Hardening" 1).
 */

function cluster(...ids: string[]): ClusterState {
  const s = initialClusterState();
  for (const id of ids) {
    const n: NodeView = { id, name: id, role: "worker", availability: "active", labels: {}, state: "ready", message: "", createdAt: "", updatedAt: "" };
    s.nodes.set(id, n);
    s.versions.set(subjects.event("node", id), 3);
  }
  return s;
}

const PERIOD = 1000; // deadline: 3 s of silence
const lastSeen = new Map([["n1", 1000], ["n2", 1000]]);
const down = (outages: Outage[], nowMs: number, seen = lastSeen) =>
  planLiveness(cluster("n1", "n2"), { lastSeen: seen, startedAtMs: 0, nowMs, periodMs: PERIOD, outages }).map((p) => p.aggregateId);

describe("dispatcher liveness across an outage of the bus", () => {
  it("without an outage, nodes silent for more than 3 periods are down (the baseline)", () => {
    assert.deepEqual(down([], 4001), ["n1", "n2"]);
  });

  it("while the connection is out, nobody is judged, however long", () => {
    const out = wentDown([], "heartbeats", 1500);
    assert.deepEqual(down(out, 60_000), []);
  });

  it("after it is back, every node gets a fresh grace period from the reconnect, longer by the callout's allowance", () => {
    const back = cameBack(wentDown([], "heartbeats", 1500), "heartbeats", 20_000);
    assert.deepEqual(down(back, 20_500), [], "just reconnected: the old last-seen does not count");
    assert.deepEqual(down(back, 23_001), [], "3 periods after the reconnect: its login may still wait for the auth callout");
    assert.deepEqual(down(back, 20_000 + AFTER_OUTAGE_EXTRA_MS + 3000), []);
    assert.deepEqual(down(back, 20_000 + AFTER_OUTAGE_EXTRA_MS + 3001), ["n1", "n2"], "still silent after the grace and the allowance");
  });

  it("a beat heard after the reconnect counts as usual", () => {
    const back = cameBack(wentDown([], "heartbeats", 1500), "heartbeats", 20_000);
    const seen = new Map([["n1", 22_000], ["n2", 1000]]);
    assert.deepEqual(down(back, 25_001, seen), ["n1"], "n1 is judged from its beat; n2, not heard since, has the allowance");
    assert.deepEqual(down(back, 20_000 + AFTER_OUTAGE_EXTRA_MS + 3001, new Map([["n1", 32_000], ["n2", 1000]])), ["n2"]);
  });

  it("one connection out of two still down keeps the dispatcher deaf", () => {
    let o = wentDown([], "heartbeats", 1500);
    o = wentDown(o, "log", 1600);
    o = cameBack(o, "heartbeats", 5000);
    assert.deepEqual(hearing(o), { deaf: true });
    assert.deepEqual(down(o, 30_000), []);
    o = cameBack(o, "log", 9000);
    assert.deepEqual(hearing(o), { deaf: false, sinceMs: 9000 });
  });

  it("a reconnect without a recorded disconnect still restarts the grace (the disconnect event may be missed)", () => {
    assert.deepEqual(hearing(cameBack([], "heartbeats", 7000)), { deaf: false, sinceMs: 7000 });
    assert.deepEqual(down(cameBack([], "heartbeats", 7000), 9000), []);
  });

  it("repeated downs keep one open outage; the list stays short", () => {
    let o: Outage[] = [];
    for (let i = 0; i < 20; i++) o = cameBack(wentDown(wentDown(o, "c", i * 10), "c", i * 10 + 1), "c", i * 10 + 5);
    assert.equal(o.length, 8);
    assert.deepEqual(hearing(o), { deaf: false, sinceMs: 195 });
  });
});
