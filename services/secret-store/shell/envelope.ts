import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import type { SecretKind } from "../../../schemas/index.js";

/*
 * Envelope encryption of one payload version (DESIGN §6). A fresh 32-byte data key per version
 * encrypts the payload (AES-256-GCM, AAD `<kind>/<id>/<version>`: a ciphertext moved to another
 * secret or version does not open); the data key is wrapped by the KEK (AES-256-GCM, same AAD).
 * Only the KEK lives outside the bucket, so a copy of the NATS store alone reveals nothing.
 *
 * Stored layout (raw bytes, ~78 bytes of overhead: a 1000 KiB config stays under the 1 MiB max payload):
 *   magic "JSS" | format (1) | wrap iv (12) | wrap tag (16) | wrapped data key (32) | iv (12) | tag (16) | ciphertext
 */

const MAGIC = Buffer.from("JSS");
const FORMAT = 1;
const KEY_LEN = 32;
const IV_LEN = 12;
const TAG_LEN = 16;
const WRAP_END = MAGIC.length + 1 + IV_LEN + TAG_LEN + KEY_LEN;
const HEADER = WRAP_END + IV_LEN + TAG_LEN;
/** Bytes a stored version adds to its payload. */
export const ENVELOPE_OVERHEAD = HEADER;

/** What a ciphertext is bound to: opened under any other name, it is refused. */
export interface PayloadName { kind: SecretKind | "ca"; id: string; version: number }

export function aadOf(n: PayloadName): Buffer {
  return Buffer.from(`${n.kind}/${n.id}/${n.version}`);
}

function gcm(key: Buffer, iv: Buffer, aad: Buffer, plain: Uint8Array): { tag: Buffer; body: Buffer } {
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return { tag: c.getAuthTag(), body };
}

function ungcm(key: Buffer, iv: Buffer, tag: Buffer, aad: Buffer, body: Buffer): Buffer {
  const d = createDecipheriv("aes-256-gcm", key, iv);
  d.setAAD(aad);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(body), d.final()]);
}

/** A payload version sealed under `kek` (32 bytes). */
export function encryptPayload(kek: Buffer, name: PayloadName, payload: Uint8Array): Buffer {
  const aad = aadOf(name);
  const dataKey = randomBytes(KEY_LEN);
  const wrapIv = randomBytes(IV_LEN);
  const wrapped = gcm(kek, wrapIv, aad, dataKey);
  const iv = randomBytes(IV_LEN);
  const sealed = gcm(dataKey, iv, aad, payload);
  dataKey.fill(0);
  return Buffer.concat([MAGIC, Buffer.from([FORMAT]), wrapIv, wrapped.tag, wrapped.body, iv, sealed.tag, sealed.body]);
}

/** The payload; throws when the bytes were altered, belong to another name, or were sealed under another KEK. */
export function decryptPayload(kek: Buffer, name: PayloadName, stored: Uint8Array): Buffer {
  const b = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (b.length < HEADER || !b.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`stored ${name.kind} ${name.id} v${name.version}: not an encrypted payload`);
  if (b[MAGIC.length] !== FORMAT) throw new Error(`stored ${name.kind} ${name.id} v${name.version}: unknown format ${b[MAGIC.length]}`);
  const aad = aadOf(name);
  let at = MAGIC.length + 1;
  const take = (n: number) => b.subarray(at, (at += n));
  const wrapIv = take(IV_LEN), wrapTag = take(TAG_LEN), wrappedKey = take(KEY_LEN), iv = take(IV_LEN), tag = take(TAG_LEN);
  let dataKey: Buffer;
  try {
    dataKey = ungcm(kek, wrapIv, wrapTag, aad, wrappedKey);
  } catch {
    throw new Error(`stored ${name.kind} ${name.id} v${name.version}: the data key does not open with this KEK (wrong key, or altered)`);
  }
  try {
    return ungcm(dataKey, iv, tag, aad, b.subarray(HEADER));
  } catch {
    throw new Error(`stored ${name.kind} ${name.id} v${name.version}: the payload does not open (altered)`);
  } finally {
    dataKey.fill(0);
  }
}

function derive(kek: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync("sha256", kek, Buffer.alloc(0), label, KEY_LEN));
}

/**
 * The HMAC the log records for a payload (hex): keyed by a key derived from the KEK, so a weak
 * secret cannot be guessed from the log alone (a plain hash could be brute-forced).
 */
export function payloadHmac(kek: Buffer, payload: Uint8Array): string {
  return createHmac("sha256", derive(kek, "jetswarm-payload-hmac")).update(payload).digest("hex");
}

/** A value that identifies the KEK without revealing it (stored in the bucket: a wrong key file is noticed at start). */
export function kekCheck(kek: Buffer): string {
  return createHmac("sha256", derive(kek, "jetswarm-kek-check")).update("jetswarm-kek-check").digest("hex");
}

/** Constant-time equality of two byte strings. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
