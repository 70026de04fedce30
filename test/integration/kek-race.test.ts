import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KV } from "@nats-io/kv";
import { ensureBucket } from "../../services/shared/nats/index.js";
import { loadOrCreateKek } from "../../services/secret-store/shell/kek.js";
import { Keyring } from "../../services/secret-store/shell/keyring.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";

/*
 * Two secret-stores starting at once on an empty bucket (CI run ci21: one exited with "… kek is
 * missing"). The interleavings that lost are played here step by step against a real bucket: the
 * other instance keys the bucket (file, then check value) at the moment this one looks.
 */

let fx: LogFixture;
const dirs: string[] = [];
const keysDir = () => { const d = mkdtempSync(join(tmpdir(), "jetswarm-kekrace-")); dirs.push(d); return join(d, "keys"); };

before(async () => { fx = await logFixture("kek-race"); });
after(async () => {
  await fx?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The bucket as this instance sees it, with the other instance's whole start run just before `keys()` (its emptiness check). */
function otherKeysBeforeKeys(kv: KV, other: () => Promise<Buffer>): { kv: KV; theirs: () => Buffer | undefined } {
  let theirs: Buffer | undefined;
  const wrapped = new Proxy(kv, {
    get(target, prop, receiver) {
      if (prop === "keys") return async (...args: unknown[]) => {
        theirs ??= await other();
        return (target.keys as (...a: unknown[]) => unknown).apply(target, args);
      };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { kv: wrapped, theirs: () => theirs };
}

describe("the KEK when two secret-stores start at once", () => {
  it("one that finds the bucket keyed while it looked (file missing when read, check recorded since) uses the other's key", async () => {
    const kv = await ensureBucket(fx.nc, "kek-race-1", { ttlMs: 0 });
    const dir = keysDir();
    // Both share the keys directory, as two secret-stores of one manager do.
    const race = otherKeysBeforeKeys(kv, () => loadOrCreateKek(kv, new Keyring(dir)));
    const mine = await loadOrCreateKek(race.kv, new Keyring(dir));
    assert.ok(race.theirs(), "the other instance ran inside this one's start");
    assert.deepEqual(mine, race.theirs(), "one key for both");
  });

  it("a bucket keyed with no key file here is still refused, naming the file", async () => {
    const kv = await ensureBucket(fx.nc, "kek-race-2", { ttlMs: 0 });
    await loadOrCreateKek(kv, new Keyring(keysDir()));
    const empty = keysDir();
    await assert.rejects(loadOrCreateKek(kv, new Keyring(empty)), new RegExp(`${empty}/kek is missing`));
  });
});
