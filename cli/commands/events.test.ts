import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { eventLine, eventsQuery, parseEventFilters } from "./events.js";
import { verifyLine } from "./audit.js";

describe("swarm events / audit: pure parts", () => {
  it("--filter key=value, repeatable; unknown keys and bare words refused by name", () => {
    assert.deepEqual(parseEventFilters(["type=TaskAssigned", "service=web", "type=TaskCreated"]),
      { type: ["TaskAssigned", "TaskCreated"], service: ["web"] });
    assert.throws(() => parseEventFilters(["colour=red"]), /--filter: unknown key "colour" \(expected type, service, node, actor\)/);
    assert.throws(() => parseEventFilters(["web"]), /--filter: "web" is not key=value/);
    assert.throws(() => parseEventFilters(["type="]), /--filter: "type=" is not key=value/);
  });

  it("the query carries bounds, filters as Docker's JSON, and the follow wait", () => {
    assert.equal(eventsQuery({ filters: {} }), "events");
    const q = new URLSearchParams(eventsQuery({ since: "10m", until: "seq:9", filters: { type: ["X"] }, wait: "25s" }).split("?")[1]);
    assert.deepEqual([q.get("since"), q.get("until"), q.get("filters"), q.get("wait")], ["10m", "seq:9", '{"type":["X"]}', "25s"]);
  });

  it("a line: time, type, summary, actor (25-character ids cut to 12)", () => {
    const row = { seq: 3, time: "2026-01-01T00:00:00.000Z", type: "TaskAssigned", object: { kind: "task", id: "t1" }, summary: "task web.1.t1 assigned to node n1" };
    assert.equal(eventLine({ ...row, actor: { kind: "service", id: "scheduler-12" } }),
      "2026-01-01T00:00:00.000Z TaskAssigned task web.1.t1 assigned to node n1 by service scheduler-12");
    assert.equal(eventLine({ ...row, actor: { kind: "node", id: "abcdefghijklmnopqrstuvwxy", via: "dispatcher-1" } }),
      "2026-01-01T00:00:00.000Z TaskAssigned task web.1.t1 assigned to node n1 by node abcdefghijkl");
  });

  it("verify: ok names the count, chain and checkpoints; a failure names the first bad event", () => {
    const base = { stream: "EVENTS", head: 9, checked: 9, checkpoints: 2, hash: "ab".repeat(32) };
    assert.equal(verifyLine({ ...base, ok: true }), "ok: EVENTS has 9 events, all legal; chain abababababab matches 2 checkpoint(s); sealed at seq 9");
    assert.equal(verifyLine({ ...base, ok: false, bad: { seq: 4, subject: "swarm.evt.task.t1", reason: "task t1 created twice" } }),
      "first bad event: seq 4 (swarm.evt.task.t1): task t1 created twice");
    assert.equal(verifyLine({ ...base, ok: false, bad: { seq: 7, subject: "", reason: "event seq 7 is missing from the stream" } }),
      "first bad event: seq 7: event seq 7 is missing from the stream");
  });
});
