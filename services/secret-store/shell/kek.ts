import { randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { KV } from "@nats-io/kv";
import { SwarmError } from "../../shared/errors/index.js";
import { kekCheck } from "./envelope.js";
import type { Keyring } from "./keyring.js";

/*
 * The key-encryption key: 32 random bytes in `$SWARM_KEYS_DIR/kek` (dir 0700, file 0600). Created
 * at the first start of the first secret-store, and only while the bucket is empty; a bucket that
 * is already keyed (its KEK check value, or any ciphertext) with no key file is refused naming the
 * file: re-keying silently would make every stored payload unreadable. The check value in the
 * bucket also catches a key file that is not the cluster's (another manager's fresh one).
 */

export const KEK_CHECK_KEY = "kek.check";
const KEK_LEN = 32;

export async function loadOrCreateKek(kv: KV, keyring: Keyring): Promise<Buffer> {
  const keysDir = keyring.keysDir;
  if (!keysDir) throw new SwarmError("failed_precondition", "SWARM_KEYS_DIR is not set: the secret-store needs the manager's key directory (<dataDir>/keys)");
  const file = keyring.path("kek");
  // The check value is read before the file: a key file is always written before its check is
  // recorded, so a check seen here means its file is seen below. An instance beside this one may
  // key the bucket after the check was read (seen by holdsAnyKey): then both are read once more.
  for (let attempt = 1; ; attempt++) {
    const check = await kv.get(KEK_CHECK_KEY);
    const stored = check && check.operation === "PUT" ? check.string() : undefined;
    const existing = readKek(keyring, file);
    if (existing) {
      if (stored === undefined) await recordCheck(kv, existing, file);
      else if (stored !== kekCheck(existing)) throw wrongKey(file);
      return existing;
    }
    if (stored === undefined && !(await holdsAnyKey(kv))) break;
    if (stored !== undefined || attempt > 1) {
      throw new SwarmError("failed_precondition", `the secret store's bucket holds encrypted payloads but ${file} is missing: copy the key file from the first manager (never re-key: every stored secret would be lost)`);
    }
  }
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  chmodSync(keysDir, 0o700);
  const made = writeNew(file, randomBytes(KEK_LEN));
  const kek = made ?? readKek(keyring, file)!; // an instance beside this one wrote it first: use that one
  keyring.remember("kek", kek);
  try {
    await recordCheck(kv, kek, file);
  } catch (err) {
    if (made) rmSync(file, { force: true }); // another manager keyed the bucket first: this key is not the cluster's
    throw err;
  }
  return kek;
}

/** The KEK's plaintext (unwrapped by the keyring when autolock is on), or undefined when there is no file. */
function readKek(keyring: Keyring, file: string): Buffer | undefined {
  const buf = keyring.read("kek");
  if (buf === undefined) return undefined;
  if (buf.length !== KEK_LEN) throw new SwarmError("failed_precondition", `${file} holds ${buf.length} bytes, a KEK is ${KEK_LEN}`);
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return buf;
}

/**
 * Exclusive create: written to a temporary file, then hard-linked into place (atomic, fails when the
 * file exists), so two processes starting at once cannot both write a key, and no reader sees half
 * of one. Returns the key, or undefined when the file already exists.
 */
function writeNew(file: string, kek: Buffer): Buffer | undefined {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, kek, { mode: 0o600, flag: "w" });
  try {
    linkSync(tmp, file);
    return kek;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function recordCheck(kv: KV, kek: Buffer, file: string): Promise<void> {
  const value = kekCheck(kek);
  try {
    await kv.create(KEK_CHECK_KEY, value);
  } catch (err) {
    const now = await kv.get(KEK_CHECK_KEY);
    if (now?.string() === value) return;
    throw now ? wrongKey(file) : err;
  }
}

function wrongKey(file: string): SwarmError {
  return new SwarmError("failed_precondition", `${file} is not the key the secret store's bucket was encrypted with (its check value differs): restore the cluster's key file`);
}

async function holdsAnyKey(kv: KV): Promise<boolean> {
  const keys = await kv.keys();
  for await (const k of keys) { void k; return true; }
  return false;
}
