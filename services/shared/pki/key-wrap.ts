import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { resolve } from "node:path";

/*
 * Autolock (DESIGN §6): the keys a manager keeps at rest are wrapped by a key derived from the
 * unlock key `SWMKEY-1-<base64 of 32 random bytes>` (Swarm's format: unpadded standard base64).
 * The unlock key is 256 random bits, so HKDF-SHA256 (fresh salt per file) is the KDF — a password
 * KDF (scrypt) would only slow down the legitimate unlock. AES-256-GCM with the file's name as
 * AAD: a wrapped file opens only under the name it was wrapped for. The unlock key itself is
 * never stored: the log keeps `unlockKeyCheck`, an HMAC under another HKDF output (256 random
 * bits cannot be searched back from it).
 */

export const UNLOCK_KEY_PREFIX = "SWMKEY-1-";
const KEY_LEN = 32;
/** The first bytes of a wrapped file: a PEM starts with "-----", a raw KEK is random (1 in 2^40 to collide). */
const MAGIC = Buffer.from("JSWK1");
const SALT_LEN = 16;
const IV_LEN = 12;
const TAG_LEN = 16;
const WRAP_INFO = "jetswarm-autolock-wrap/v1";
const CHECK_INFO = "jetswarm-autolock-check/v1";

export function newUnlockKey(): Buffer {
  return randomBytes(KEY_LEN);
}

export function formatUnlockKey(key: Uint8Array): string {
  return UNLOCK_KEY_PREFIX + Buffer.from(key).toString("base64").replace(/=+$/, "");
}

/** The 32 bytes of `SWMKEY-1-…`, or undefined when the text is not an unlock key. */
export function parseUnlockKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (!t.startsWith(UNLOCK_KEY_PREFIX)) return undefined;
  const b64 = t.slice(UNLOCK_KEY_PREFIX.length);
  if (!/^[A-Za-z0-9+/]{43}$/.test(b64)) return undefined;
  const key = Buffer.from(b64, "base64");
  return key.length === KEY_LEN ? key : undefined;
}

/** What the log records of an unlock key: hex HMAC-SHA256 under HKDF(key, CHECK_INFO). */
export function unlockKeyCheck(key: Uint8Array): string {
  const k = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), CHECK_INFO, KEY_LEN));
  return createHmac("sha256", k).update("jetswarm-unlock-key").digest("hex");
}

export function isWrapped(data: Uint8Array): boolean {
  return data.length > MAGIC.length && Buffer.from(data.subarray(0, MAGIC.length)).equals(MAGIC);
}

function wrapKeyOf(unlockKey: Uint8Array, salt: Uint8Array): Buffer {
  if (unlockKey.length !== KEY_LEN) throw new Error(`an unlock key is ${KEY_LEN} bytes, got ${unlockKey.length}`);
  return Buffer.from(hkdfSync("sha256", unlockKey, salt, WRAP_INFO, KEY_LEN));
}

/** `MAGIC | salt | iv | tag | ciphertext` of `plaintext`, bound to `name`. */
export function wrapKey(unlockKey: Uint8Array, plaintext: Uint8Array, name: string): Buffer {
  const salt = randomBytes(SALT_LEN);
  const iv = randomBytes(IV_LEN);
  const c = createCipheriv("aes-256-gcm", wrapKeyOf(unlockKey, salt), iv);
  c.setAAD(Buffer.from(name));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([MAGIC, salt, iv, c.getAuthTag(), body]);
}

/** The plaintext of a wrapped file; throws "invalid key" when `unlockKey` (or `name`) is not the one it was wrapped with. */
export function unwrapKey(unlockKey: Uint8Array, wrapped: Uint8Array, name: string): Buffer {
  if (!isWrapped(wrapped)) throw new Error(`${name} is not a wrapped key`);
  const buf = Buffer.from(wrapped);
  let at = MAGIC.length;
  const take = (n: number) => buf.subarray(at, (at += n));
  const salt = take(SALT_LEN), iv = take(IV_LEN), tag = take(TAG_LEN), body = buf.subarray(at);
  const d = createDecipheriv("aes-256-gcm", wrapKeyOf(unlockKey, salt), iv);
  d.setAAD(Buffer.from(name));
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    throw new Error(`${name}: invalid key (the unlock key is not the one it was wrapped with)`);
  }
}

/**
 * The id of one host's keys dir (host name and absolute path): the api and the secret-stores of a
 * manager share it through `SWARM_KEYS_DIR`, so `swarm unlock` on that manager reaches exactly them.
 */
export function keyringId(keysDir: string): string {
  return createHash("sha256").update(`${hostname()}\0${resolve(keysDir)}`).digest("hex").slice(0, 16);
}
