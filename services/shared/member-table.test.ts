import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemberTable } from "./member-table.js";

const TTL = 6000;

describe("member table", () => {
  it("owns nothing before its own record is seen, even when others are", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-2", 0);
    assert.deepEqual(t.live(10), []);
    t.seen("o-1", 20);
    assert.deepEqual(t.live(30), ["o-1", "o-2"]);
  });

  it("drops a member whose heartbeats stopped for longer than the TTL (expiry sends no delete)", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-1", 0); t.seen("o-2", 0);
    for (let now = 2000; now <= 8000; now += 2000) t.seen("o-1", now);
    assert.deepEqual(t.live(6000), ["o-1", "o-2"], "at exactly the TTL it is still there");
    assert.deepEqual(t.live(8000), ["o-1"]);
    t.seen("o-2", 9000);
    assert.deepEqual(t.live(9000), ["o-1", "o-2"], "back when it beats again");
  });

  it("drops a deleted member at once; its own deletion leaves it owning nothing", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-1", 0); t.seen("o-2", 0);
    t.gone("o-2");
    assert.deepEqual(t.live(1), ["o-1"]);
    t.gone("o-1");
    assert.deepEqual(t.live(2), []);
  });

  it("keeps its last view while its own record is stale (cut off from the KV)", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-1", 0); t.seen("o-2", 0);
    assert.deepEqual(t.live(1000), ["o-1", "o-2"]);
    assert.equal(t.connected(7000), false);
    assert.deepEqual(t.live(60_000), ["o-1", "o-2"], "no heartbeat of anyone: frozen, not alone");
    t.seen("o-1", 61_000);
    assert.deepEqual(t.live(61_000), ["o-1"], "reconnected: o-2 has not beaten since, it is gone");
  });

  it("a late-arriving older sighting never moves a member's time back", () => {
    const t = new MemberTable("o-1", TTL);
    t.seen("o-1", 5000); t.seen("o-1", 1000);
    assert.deepEqual(t.live(10_000), ["o-1"]);
  });
});
