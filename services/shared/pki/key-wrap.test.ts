import { test } from "node:test";
import assert from "node:assert/strict";
import { formatUnlockKey, isWrapped, newUnlockKey, parseUnlockKey, unlockKeyCheck, unwrapKey, wrapKey } from "./key-wrap.js";

test("an unlock key prints as SWMKEY-1-<unpadded base64> and parses back", () => {
  const key = newUnlockKey();
  const text = formatUnlockKey(key);
  assert.match(text, /^SWMKEY-1-[A-Za-z0-9+/]{43}$/);
  assert.deepEqual(parseUnlockKey(text), key);
  assert.deepEqual(parseUnlockKey(` ${text}\n`), key);
  for (const bad of ["", "SWMKEY-1-", text.slice(0, -1), text.replace("SWMKEY-1-", "SWMKEY-2-"), `${text}A`, `${text}=`]) {
    assert.equal(parseUnlockKey(bad), undefined, bad);
  }
});

test("a wrapped key opens only with its unlock key and under its own name", () => {
  const key = newUnlockKey();
  const secret = Buffer.from("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n");
  const wrapped = wrapKey(key, secret, "ca.key");
  assert.ok(isWrapped(wrapped));
  assert.ok(!isWrapped(secret));
  assert.ok(!wrapped.includes(secret.subarray(28, 31)), "no plaintext in the wrapped bytes");
  assert.deepEqual(unwrapKey(key, wrapped, "ca.key"), secret);
  assert.throws(() => unwrapKey(newUnlockKey(), wrapped, "ca.key"), /invalid key/);
  assert.throws(() => unwrapKey(key, wrapped, "kek"), /invalid key/);
  const tampered = Buffer.from(wrapped);
  tampered[tampered.length - 1]! ^= 1;
  assert.throws(() => unwrapKey(key, tampered, "ca.key"), /invalid key/);
  assert.notDeepEqual(wrapKey(key, secret, "ca.key"), wrapped, "a fresh salt and iv each time");
});

test("the key check tells keys apart and does not contain the key", () => {
  const a = newUnlockKey(), b = newUnlockKey();
  assert.equal(unlockKeyCheck(a), unlockKeyCheck(Buffer.from(a)));
  assert.notEqual(unlockKeyCheck(a), unlockKeyCheck(b));
  assert.ok(!unlockKeyCheck(a).includes(a.toString("hex").slice(0, 16)));
});
