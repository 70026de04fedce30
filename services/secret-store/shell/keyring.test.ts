import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isWrapped, newUnlockKey } from "../../shared/pki/index.js";
import { Keyring, SWARM_LOCKED } from "./keyring.js";

/** A keys dir with a KEK, a CA key and a callout key, as plaintext files. */
function keysDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "jetswarm-keyring-"));
  mkdirSync(join(dir, "bus"));
  writeFileSync(join(dir, "kek"), Buffer.alloc(32, 7));
  writeFileSync(join(dir, "ca.key"), "-----BEGIN PRIVATE KEY-----\nca\n");
  writeFileSync(join(dir, "bus/callout.key"), "-----BEGIN PRIVATE KEY-----\ncallout\n");
  return dir;
}

test("rekey wraps every key file (0600); a new keyring on those files is locked and reads nothing", (t) => {
  const dir = keysDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = newUnlockKey();
  assert.deepEqual(new Keyring(dir).rekey(key), ["kek", "ca.key", "bus/callout.key"]);
  for (const f of ["kek", "ca.key", "bus/callout.key"]) {
    assert.ok(isWrapped(readFileSync(join(dir, f))), f);
    assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600);
  }
  const restarted = new Keyring(dir);
  assert.equal(restarted.locked, true);
  assert.throws(() => restarted.read("ca.key"), (e: Error) => e.message === SWARM_LOCKED);
  assert.throws(() => restarted.rekey(undefined), (e: Error) => e.message === SWARM_LOCKED);
});

test("unlock is all or nothing: a wrong key opens nothing; the right one opens every file", (t) => {
  const dir = keysDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = newUnlockKey();
  new Keyring(dir).rekey(key);
  const k = new Keyring(dir);
  assert.throws(() => k.unlock(newUnlockKey()), /swarm could not be unlocked: invalid key/);
  assert.equal(k.locked, true);
  k.unlock(key);
  assert.equal(k.locked, false);
  assert.deepEqual(k.read("kek"), Buffer.alloc(32, 7));
  assert.equal(k.read("ca.key")!.toString(), "-----BEGIN PRIVATE KEY-----\nca\n");
  assert.deepEqual(k.currentUnlockKey(), key);
});

test("rotation rewraps under the new key (the old one opens nothing); off writes the plaintexts back", (t) => {
  const dir = keysDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = newUnlockKey(), second = newUnlockKey();
  const k = new Keyring(dir);
  k.rekey(first);
  k.rekey(second);
  assert.throws(() => new Keyring(dir).unlock(first), /invalid key/);
  new Keyring(dir).unlock(second);
  k.rekey(undefined);
  assert.equal(new Keyring(dir).locked, false);
  assert.equal(readFileSync(join(dir, "bus/callout.key"), "utf8"), "-----BEGIN PRIVATE KEY-----\ncallout\n");
  assert.equal(k.currentUnlockKey(), undefined);
});

test("two instances of one keys dir: a sibling's rekey first does not break this one's; a rotated CA key written by one is read by the other", (t) => {
  const dir = keysDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = newUnlockKey();
  new Keyring(dir).rekey(first);
  const a = new Keyring(dir);
  const b = new Keyring(dir);
  a.unlock(first);
  b.unlock(first);
  // A CA rotation on a: b reads the new key (same unlock key), not its cached one.
  a.write("ca.key", Buffer.from("-----BEGIN PRIVATE KEY-----\nnew-root\n"));
  assert.match(b.read("ca.key")!.toString(), /new-root/);
  // An unlock-key rotation reaches a first: b still reads (its cached plaintext) and rekeys too.
  const second = newUnlockKey();
  a.rekey(second);
  assert.match(b.read("ca.key")!.toString(), /new-root/);
  assert.deepEqual(b.rekey(second), ["kek", "ca.key", "bus/callout.key"]);
  assert.deepEqual(b.currentUnlockKey(), second);
  const restarted = new Keyring(dir);
  restarted.unlock(second);
  assert.match(restarted.read("ca.key")!.toString(), /new-root/);
});
