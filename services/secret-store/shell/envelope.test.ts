import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { decryptPayload, encryptPayload, ENVELOPE_OVERHEAD, kekCheck, payloadHmac } from "./envelope.js";

const kek = randomBytes(32);
const name = { kind: "secret", id: "s1", version: 1 } as const;
const payload = Buffer.from("correct horse battery staple");

describe("payload envelope", () => {
  it("round-trips, and the stored bytes hold neither the payload nor the data key in clear", () => {
    const stored = encryptPayload(kek, name, payload);
    assert.equal(stored.length, payload.length + ENVELOPE_OVERHEAD);
    assert.equal(stored.indexOf(payload), -1);
    assert.deepEqual(decryptPayload(kek, name, stored), payload);
  });

  it("uses a fresh data key and iv per encryption", () => {
    assert.notDeepEqual(encryptPayload(kek, name, payload), encryptPayload(kek, name, payload));
  });

  it("refuses a tampered ciphertext, tag or wrapped key", () => {
    const stored = encryptPayload(kek, name, payload);
    for (const at of [stored.length - 1, ENVELOPE_OVERHEAD - 1, 4 + 12 + 16]) {
      const bad = Buffer.from(stored);
      bad[at] = bad[at]! ^ 1;
      assert.throws(() => decryptPayload(kek, name, bad), /does not open/, `byte ${at}`);
    }
  });

  it("refuses another name (kind, id or version) than the one it was sealed for", () => {
    const stored = encryptPayload(kek, name, payload);
    assert.throws(() => decryptPayload(kek, { ...name, version: 2 }, stored), /does not open/);
    assert.throws(() => decryptPayload(kek, { ...name, id: "s2" }, stored), /does not open/);
    assert.throws(() => decryptPayload(kek, { ...name, kind: "config" }, stored), /does not open/);
  });

  it("refuses another KEK, and bytes that are no envelope", () => {
    const stored = encryptPayload(kek, name, payload);
    assert.throws(() => decryptPayload(randomBytes(32), name, stored), /with this KEK/);
    assert.throws(() => decryptPayload(kek, name, Buffer.from("plain")), /not an encrypted payload/);
  });

  it("keeps a 1000 KiB payload under NATS's 1 MiB max payload", () => {
    assert.ok(encryptPayload(kek, name, randomBytes(1000 * 1024)).length < 1024 * 1024);
  });

  it("HMACs a payload with a key of the KEK's: stable for one KEK, different under another, never the plain hash", () => {
    assert.equal(payloadHmac(kek, payload), payloadHmac(kek, Buffer.from(payload)));
    assert.notEqual(payloadHmac(kek, payload), payloadHmac(randomBytes(32), payload));
    assert.notEqual(payloadHmac(kek, payload), payloadHmac(kek, Buffer.from("other")));
    assert.match(payloadHmac(kek, payload), /^[0-9a-f]{64}$/);
    assert.notEqual(kekCheck(kek), kekCheck(randomBytes(32)));
  });
});
