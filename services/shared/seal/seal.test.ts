import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { newSealKey, seal } from "./seal.js";

test("a sealed payload opens with the recipient's key and the same context only", () => {
  const payload = randomBytes(1000);
  const key = newSealKey();
  const sealed = seal(key.publicKey, payload, "task-1");
  assert.deepEqual(key.open(sealed, "task-1"), payload);
  assert.equal(Buffer.from(sealed).includes(payload.subarray(0, 32)), false, "the plaintext is not in the sealed bytes");
  assert.throws(() => key.open(sealed, "task-2"), "another context");
  assert.throws(() => newSealKey().open(sealed, "task-1"), "another recipient");
  const altered = Buffer.from(sealed);
  altered.writeUInt8(altered.readUInt8(altered.length - 1) ^ 1, altered.length - 1);
  assert.throws(() => key.open(altered, "task-1"), "an altered payload");
  assert.throws(() => seal("AAAA", payload, "x"), /32 bytes/);
});

test("an empty payload and a 1000 KiB one round-trip", () => {
  const key = newSealKey();
  assert.equal(key.open(seal(key.publicKey, new Uint8Array(0), "a"), "a").length, 0);
  const big = randomBytes(1000 * 1024);
  assert.deepEqual(key.open(seal(key.publicKey, big, "a"), "a"), big);
});
