import { createHash, randomBytes } from "node:crypto";

const ID_LEN = 25;

/**
 * The 128-bit big-endian number in `buf[0..16)` as ID_LEN base-36 digits, least significant first.
 * Long division of four 32-bit limbs by 36 (exact in doubles: a remainder times 2^32 plus a limb
 * stays below 2^53); the same digits as BigInt division, three times faster — the orchestrator
 * names every task it creates with it.
 */
export function toBase36(buf: Uint8Array): string {
  let a = ((buf[0]! << 24) | (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!) >>> 0;
  let b = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  let c = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  let d = ((buf[12]! << 24) | (buf[13]! << 16) | (buf[14]! << 8) | buf[15]!) >>> 0;
  const codes = new Array<number>(ID_LEN);
  for (let i = 0; i < ID_LEN; i++) {
    let q = Math.floor(a / 36);
    let r = a - q * 36;
    a = q;
    let x = r * 4294967296 + b; q = Math.floor(x / 36); r = x - q * 36; b = q;
    x = r * 4294967296 + c; q = Math.floor(x / 36); r = x - q * 36; c = q;
    x = r * 4294967296 + d; q = Math.floor(x / 36); r = x - q * 36; d = q;
    codes[i] = r < 10 ? 48 + r : 87 + r; // 0-9, a-z
  }
  return String.fromCharCode(...codes);
}

/** A fresh Swarm-style id: 25 base-36 characters (128 random bits). */
export function randomId(): string {
  return toBase36(randomBytes(16));
}

/**
 * The same id for the same seed, everywhere: a decision taken twice (a retry after a crash, two
 * instances racing on the same state) names the same aggregate, so the log's expectations and
 * de-duplication catch the second one.
 */
export function deterministicId(seed: string): string {
  return toBase36(createHash("sha256").update(seed).digest().subarray(0, 16));
}

/** A message id for `Nats-Msg-Id` derived from the cause and the step. */
export function msgIdFor(...parts: (string | number)[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 32);
}
