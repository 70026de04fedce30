import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemberTable } from "./member-table.js";

const TTL = 6000;
/** `self` beats every 2 s from `from` to `to` inclusive. */
function beats(t: MemberTable, member: string, from: number, to: number): void {
  for (let at = from; at <= to; at += 2000) t.seen(member, at);
}

describe("member table", () => {
  it("owns nothing before its own record is seen, even when others are", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-2", 0);
    assert.deepEqual(t.live(), []);
    t.seen("o-1", 20);
    assert.deepEqual(t.live(), ["o-1", "o-2"]);
  });

  it("drops a member once its own heartbeats arrived for longer than the TTL after that member's last", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-2", 0);
    beats(t, "o-1", 0, 6000);
    assert.deepEqual(t.live(), ["o-1", "o-2"], "exactly the TTL: still there");
    t.seen("o-1", 8000);
    assert.deepEqual(t.live(), ["o-1"]);
    t.seen("o-2", 9000);
    assert.deepEqual(t.live(), ["o-1", "o-2"], "back when it beats again");
  });

  it("drops a deleted member at once; its own deletion leaves it owning nothing", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-1", 0); t.seen("o-2", 0);
    t.gone("o-2");
    assert.deepEqual(t.live(), ["o-1"]);
    t.gone("o-1");
    assert.deepEqual(t.live(), []);
  });

  it("keeps its last view while cut off, even when another member had beaten a little earlier", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-2", 0);
    t.seen("o-1", 1900); // then NATS goes away: nothing arrives any more
    assert.equal(t.connected(7000), true);
    assert.equal(t.connected(8000), false);
    assert.deepEqual(t.live(), ["o-1", "o-2"], "no evidence that o-2 died: the view is kept, not emptied");
    beats(t, "o-1", 61_000, 67_000); // reconnected; o-2 never beats again
    assert.deepEqual(t.live(), ["o-1"]);
  });

  it("a late-arriving older sighting never moves a member's time back", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-1", 5000); t.seen("o-1", 1000); t.seen("o-2", 0);
    assert.deepEqual(t.live(), ["o-1", "o-2"]);
  });
});
