import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rendezvousOwner } from "../ownership/index.js";
import type { LeaseKv } from "./lease.js";
import { LeaseOwnership, ownAll, PartitionedOwnership, type MemberSource, type OwnershipChange } from "./ownership.js";
import type { PartitionChange } from "./partition.js";

/** A KV on a fake clock whose keys expire `ttl` ms after their last write. */
function fakeLeaseKv(clock: { t: number }, ttl: number): LeaseKv {
  const keys = new Map<string, { value: string; rev: number; at: number }>();
  let rev = 0;
  const live = (k: string) => {
    const e = keys.get(k);
    if (e && clock.t - e.at >= ttl) keys.delete(k);
    return keys.get(k);
  };
  return {
    create: async (k, value) => {
      if (live(k)) throw new Error("wrong last sequence");
      keys.set(k, { value, rev: ++rev, at: clock.t });
      return rev;
    },
    update: async (k, value, r) => {
      if (live(k)?.rev !== r) throw new Error("wrong last sequence");
      keys.set(k, { value, rev: ++rev, at: clock.t });
      return rev;
    },
    release: async (k, r) => { if (live(k)?.rev === r) keys.delete(k); },
  };
}

/** Members announced by hand, as the KV watch would. */
function fakeMembers(): MemberSource & { announce(after: string[]): void; stopped: boolean } {
  let emit: ((c: PartitionChange) => void) | undefined;
  let before: string[] = [];
  const src = Object.assign(async (onChange: (c: PartitionChange) => void) => {
    emit = onChange;
    return { stop: async () => { src.stopped = true; } };
  }, {
    stopped: false,
    announce(after: string[]) { emit?.({ before, after }); before = after; },
  });
  return src;
}

const KEYS = Array.from({ length: 60 }, (_, i) => `svc-${i}`);

describe("Ownership: all", () => {
  it("owns every key and is active from the start", () => {
    const o = ownAll();
    assert.equal(o.kind, "all");
    assert.ok(KEYS.every((k) => o.owns(k)));
    assert.deepEqual([o.active, o.status().role], [true, "all"]);
  });
});

describe("Ownership: partitioned", () => {
  it("owns nothing until its own record is a member, then exactly its rendezvous share", async () => {
    const members = fakeMembers();
    const o = new PartitionedOwnership("a", members);
    const changes: OwnershipChange[] = [];
    o.onChange((c) => changes.push(c));
    await o.start();
    assert.equal(KEYS.filter((k) => o.owns(k)).length, 0);
    members.announce(["b"]);
    assert.equal(o.active, false);
    assert.equal(KEYS.filter((k) => o.owns(k)).length, 0, "b is live, a is not a member yet");
    members.announce(["a", "b"]);
    assert.equal(o.active, true);
    const mine = KEYS.filter((k) => o.owns(k));
    assert.deepEqual(mine, KEYS.filter((k) => rendezvousOwner(k, ["a", "b"]) === "a"));
    assert.ok(mine.length > 0 && mine.length < KEYS.length, "a share, not all or nothing");
    assert.deepEqual(changes.map((c) => [c.active, c.members?.before, c.members?.after]), [
      [false, [], ["b"]], [true, ["b"], ["a", "b"]],
    ]);
    assert.equal(o.status().role, "partitions");
  });

  it("a listener that throws does not keep the others from hearing the change; stop stops the source", async () => {
    const members = fakeMembers();
    const o = new PartitionedOwnership("a", members);
    const heard: string[][] = [];
    o.onChange(() => { throw new Error("boom"); });
    const off = o.onChange((c) => heard.push([...(c.members?.after ?? [])]));
    await o.start();
    members.announce(["a"]);
    off();
    members.announce(["a", "b"]);
    assert.deepEqual(heard, [["a"]], "heard once, then unsubscribed");
    await o.stop();
    assert.equal(members.stopped, true);
  });
});

describe("Ownership: lease", () => {
  function setup() {
    const clock = { t: 0 };
    const kv = fakeLeaseKv(clock, 3000);
    const make = (holder: string) => new LeaseOwnership(kv, { service: "scheduler", holder, ttlMs: 3000, renewMs: 1000, retryMs: 500, now: () => clock.t });
    return { clock, a: make("a"), b: make("b") };
  }

  it("owns every key while it holds the lease, nothing as a standby", async () => {
    const { a, b } = setup();
    const changes: boolean[] = [];
    a.onChange((c) => changes.push(c.active));
    await a.start();
    await b.start();
    assert.deepEqual([a.active, a.owns("schedule"), a.status().role], [true, true, "active"]);
    assert.deepEqual([b.active, b.owns("schedule"), b.status().role], [false, false, "standby"]);
    await a.stop();
    await b.stop();
    assert.deepEqual(changes, [true, false], "active on winning, standby when stopped");
  });

  it("stops owning on its own clock once the TTL ran out without a renewal", async () => {
    const { clock, a } = setup();
    await a.start();
    clock.t += 3000;
    assert.equal(a.owns("schedule"), false);
    await a.stop();
  });

  it("stop releases the lease (the standby wins at once, not after the TTL) and stops answering probes", async () => {
    const clock = { t: 0 };
    const kv = fakeLeaseKv(clock, 3000);
    let probeStopped = false;
    const probe = { probe: async () => "alive" as const, stop: () => { probeStopped = true; } };
    const a = new LeaseOwnership(kv, { service: "scheduler", holder: "a", now: () => clock.t, probe });
    const b = new LeaseOwnership(kv, { service: "scheduler", holder: "b", now: () => clock.t });
    await a.start();
    await a.stop();
    assert.equal(probeStopped, true);
    await b.start();
    assert.equal(b.active, true);
    await b.stop();
  });
});
