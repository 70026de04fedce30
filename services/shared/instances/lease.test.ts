import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Lease, type LeaseKv } from "./lease.js";

/** A KV with a TTL on a fake clock: a key not written for `ttl` ms is gone. */
class FakeKv implements LeaseKv {
  private readonly keys = new Map<string, { value: string; rev: number; at: number }>();
  private rev = 0;
  down = false;
  constructor(readonly clock: { t: number }, readonly ttl: number) {}

  private live(key: string) {
    const e = this.keys.get(key);
    if (e && this.clock.t - e.at >= this.ttl) this.keys.delete(key);
    return this.keys.get(key);
  }
  holder(key: string): string | undefined {
    const e = this.live(key);
    return e ? (JSON.parse(e.value) as { holder: string }).holder : undefined;
  }
  async create(key: string, value: string): Promise<number> {
    if (this.down) throw new Error("no responders");
    if (this.live(key)) throw new Error("wrong last sequence");
    this.keys.set(key, { value, rev: ++this.rev, at: this.clock.t });
    return this.rev;
  }
  async update(key: string, value: string, revision: number): Promise<number> {
    if (this.down) throw new Error("no responders");
    if (this.live(key)?.rev !== revision) throw new Error("wrong last sequence");
    this.keys.set(key, { value, rev: ++this.rev, at: this.clock.t });
    return this.rev;
  }
  async release(key: string, revision: number): Promise<void> {
    if (this.live(key)?.rev === revision) this.keys.delete(key);
  }
  async get(key: string): Promise<{ value: string; revision: number } | undefined> {
    const e = this.live(key);
    return e ? { value: e.value, revision: e.rev } : undefined;
  }
}

function setup() {
  const clock = { t: 0 };
  const kv = new FakeKv(clock, 3000);
  const changes: string[] = [];
  const make = (holder: string) => new Lease(kv, {
    service: "scheduler", holder, ttlMs: 3000, renewMs: 1000, retryMs: 500, now: () => clock.t,
    onChange: (a) => changes.push(`${holder}:${a ? "active" : "standby"}`),
  });
  return { clock, kv, changes, a: make("a"), b: make("b") };
}

describe("Lease", () => {
  it("given a free key, the first to create is active and the other stays standby", async () => {
    const { kv, a, b, changes } = setup();
    await a.tick();
    await b.tick();
    assert.equal(a.active, true);
    assert.equal(b.active, false);
    assert.equal(kv.holder("lease.scheduler"), "a");
    assert.deepEqual(changes, ["a:active"]);
  });

  it("renewals keep the holder active past the TTL; the standby never gets in", async () => {
    const { clock, a, b } = setup();
    await a.tick();
    for (let i = 0; i < 10; i++) {
      clock.t += 1000;
      await a.tick();
      await b.tick();
      assert.equal(a.active, true, `a active at ${clock.t}`);
      assert.equal(b.active, false, `b standby at ${clock.t}`);
    }
  });

  it("when the holder stops renewing (crash), the standby takes over once the TTL has run out", async () => {
    const { clock, a, b, kv } = setup();
    await a.tick();
    clock.t += 2999;
    await b.tick();
    assert.equal(b.active, false, "not before the TTL");
    assert.equal(a.active, true);
    clock.t += 1;
    assert.equal(a.active, false, "a stops acting on its own clock, without hearing from the KV");
    await b.tick();
    assert.equal(b.active, true);
    assert.equal(kv.holder("lease.scheduler"), "b");
  });

  it("a failed renewal makes the holder standby at once", async () => {
    const { clock, a, kv, changes } = setup();
    await a.tick();
    kv.down = true;
    clock.t += 1000;
    await a.tick();
    assert.equal(a.active, false);
    assert.deepEqual(changes, ["a:active", "a:standby"]);
  });

  it("an old holder that wakes up late finds its revision gone and stays standby", async () => {
    const { clock, a, b } = setup();
    await a.tick();
    clock.t += 5000; // a was paused
    await b.tick();
    assert.equal(b.active, true);
    await a.tick();
    assert.equal(a.active, false);
    assert.equal(b.active, true);
  });

  it("stop releases the lease so a standby takes over without waiting the TTL", async () => {
    const { a, b, changes } = setup();
    await a.tick();
    await a.stop();
    assert.equal(a.active, false);
    await b.tick();
    assert.equal(b.active, true);
    assert.deepEqual(changes, ["a:active", "a:standby", "b:active"]);
  });

  it("stop without release leaves the key to expire (a simulated crash)", async () => {
    const { a, b } = setup();
    await a.tick();
    await a.stop({ release: false });
    await b.tick();
    assert.equal(b.active, false);
  });

  it("a standby takes over at once when the probe says the holder is gone, and only then", async () => {
    const clock = { t: 0 };
    const kv = new FakeKv(clock, 3000);
    const gone = new Set<string>();
    const probed: string[] = [];
    const make = (holder: string) => new Lease(kv, {
      service: "scheduler", holder, ttlMs: 3000, renewMs: 1000, retryMs: 500, now: () => clock.t,
      probe: async (h) => { probed.push(h); return gone.has(h) ? "gone" : "alive"; },
    });
    const [a, b] = [make("a"), make("b")];
    await a.tick();
    clock.t += 500;
    await b.tick();
    assert.deepEqual([b.active, kv.holder("lease.scheduler"), probed], [false, "a", ["a"]], "a answers: b waits");
    gone.add("a"); // a killed: its connection, and so its probe subscription, is gone
    clock.t += 500;
    await b.tick();
    assert.equal(b.active, true, "b took over 1 s after a's last renewal, not after the 3 s TTL");
    assert.equal(kv.holder("lease.scheduler"), "b");
    await a.tick();
    assert.equal(a.active, false, "a (had it survived) finds its revision gone");
  });

  it("refuses a renewal period that is not inside the TTL", () => {
    const kv = new FakeKv({ t: 0 }, 1000);
    assert.throws(() => new Lease(kv, { service: "s", holder: "h", ttlMs: 1000, renewMs: 1000 }), /renewMs \(1000\) must be less than ttlMs \(1000\)/);
  });
});
