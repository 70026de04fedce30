import { createHash, randomBytes } from "node:crypto";

const ID_LEN = 25;

function toBase36(buf: Buffer): string {
  let n = BigInt("0x" + buf.toString("hex"));
  let out = "";
  while (out.length < ID_LEN) {
    out += (n % 36n).toString(36);
    n /= 36n;
  }
  return out;
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
