import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AddressSpace, ExhaustedError, NO_ADDRESS, reservedRange, reserveOf } from "./address-space.js";
import { formatIp, parseCidr } from "./ip.js";

/** mulberry32: seeded, so a failing run is reproduced by its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const Q = 1000;

/**
 * Random allocate / free / time steps against a model: the set in use and when each freed address
 * was freed. Checked at every step: an address is never given while in use, never within Q of its
 * release, never outside the allocatable span; exhaustion is an ExhaustedError exactly when the
 * model has no eligible address; once time passes, every freed address can be given again.
 */
function run(seed: number, subnet: string, steps: number, range?: string): void {
  const r = rng(seed);
  const net = parseCidr(subnet);
  const space = new AddressSpace("n", net, range ? parseCidr(range) : undefined);
  const lo = range ? Math.max(net.base + reserveOf(net), parseCidr(range).base) : net.base + reserveOf(net);
  const hi = net.base + 2 ** (32 - net.bits) - 2;
  const inUse = new Set<number>();
  const freedAt = new Map<number, number>();
  let now = 0;
  const eligible = () => {
    let n = 0;
    for (let ip = lo; ip <= Math.min(hi, lo + space.capacity - 1); ip++) if (!inUse.has(ip) && !((freedAt.get(ip) ?? -Infinity) + Q > now)) n++;
    return n;
  };
  for (let step = 0; step < steps; step++) {
    const x = r();
    const where = `seed ${seed} step ${step}`;
    if (x < 0.55) {
      const free = eligible();
      let ip: number;
      try {
        ip = space.allocate(now);
      } catch (err) {
        assert.ok(err instanceof ExhaustedError, `${where}: ${String(err)}`);
        assert.match(err.message, new RegExp(NO_ADDRESS));
        assert.equal(free, 0, `${where}: exhausted with ${free} eligible addresses`);
        continue;
      }
      assert.ok(!inUse.has(ip), `${where}: ${formatIp(ip)} given twice`);
      assert.ok(ip >= lo && ip <= hi, `${where}: ${formatIp(ip)} outside the allocatable span`);
      const f = freedAt.get(ip);
      assert.ok(f === undefined || f + Q <= now, `${where}: ${formatIp(ip)} reused ${now - f!} ms after release`);
      inUse.add(ip);
    } else if (x < 0.95) {
      if (inUse.size === 0) continue;
      const list = [...inUse];
      const ip = list[Math.floor(r() * list.length)]!;
      inUse.delete(ip);
      freedAt.set(ip, now);
      space.release(ip, now + Q);
    } else {
      now += Math.floor(r() * Q * 0.6);
    }
  }
  // Every free returns: once the quarantine is over the space gives exactly what is not in use.
  now += Q;
  const given = new Set<number>();
  for (;;) {
    try {
      given.add(space.allocate(now));
    } catch (err) {
      assert.ok(err instanceof ExhaustedError);
      break;
    }
  }
  assert.equal(given.size + inUse.size, space.capacity, `seed ${seed}: freed addresses lost`);
  for (const ip of given) assert.ok(!inUse.has(ip));
}

describe("address space (property)", () => {
  it("small subnets under heavy churn: never twice, quarantine honoured, exhaustion is an error", () => {
    for (let seed = 1; seed <= 40; seed++) run(seed, "10.0.9.0/27", 2000);
  });
  it("a /24 and a user's IP range", () => {
    for (let seed = 100; seed <= 110; seed++) run(seed, "10.1.0.0/24", 5000);
    for (let seed = 200; seed <= 205; seed++) run(seed, "10.2.0.0/24", 3000, "10.2.0.128/26");
  });
});

describe("address space", () => {
  it("keeps the reserve and the broadcast address out of allocation", () => {
    const s = new AddressSpace("n", parseCidr("10.0.1.0/24"));
    assert.equal(formatIp(s.allocate(0)), "10.0.1.16");
    assert.equal(s.capacity, 254 - 15);
    assert.equal(reservedRange(parseCidr("10.0.1.0/24")), "10.0.1.0/28");
    assert.equal(reservedRange(parseCidr("10.0.1.0/28")), "10.0.1.0/31");
  });
  it("an address marked in use (a gateway, another task) is skipped", () => {
    const s = new AddressSpace("n", parseCidr("10.0.1.0/24"));
    s.mark(parseCidr("10.0.1.16/32").base);
    assert.equal(s.withPrefix(s.allocate(0)), "10.0.1.17/24");
  });
});
