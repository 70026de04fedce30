import { createHash, createHmac, createPrivateKey } from "node:crypto";
import { caDigest, type CertAndKey, type NodeRole } from "./ca.js";

/*
 * Join tokens in Swarm's format `SWMTKN-1-<CA digest>-<secret>`: the digest (50 base-36) pins the
 * root CA for the joiner; the secret (25 base-36, 128 bits) is derived from the CA key, the role
 * and the token's generation, so every secret-store instance derives the same token, nothing is
 * stored, a rotation (generation + 1) gives a new one, and a new CA gives new tokens.
 */

const TOKEN = /^SWMTKN-1-([0-9a-z]{50})-([0-9a-z]{25})$/;
const SECRET_LEN = 25;

/** The two fields of a well-formed token, or undefined. */
export function parseJoinToken(token: string): { digest: string; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m ? { digest: m[1]!, secret: m[2]! } : undefined;
}

/** The join token of `role` at `generation` (≥ 1) for the CA `ca`. */
export function deriveJoinToken(ca: CertAndKey, role: NodeRole, generation: number): string {
  if (!Number.isInteger(generation) || generation < 1) throw new Error(`join token generation: a positive integer, got ${generation}`);
  const der = createPrivateKey(ca.keyPem).export({ format: "der", type: "pkcs8" });
  // A key of its own for tokens (domain-separated from the CA key's signing use).
  const key = createHash("sha256").update("jetswarm join-token key v1\0").update(der).digest();
  const mac = createHmac("sha256", key).update(`${role}|${generation}`).digest().subarray(0, 16);
  const secret = BigInt(`0x${mac.toString("hex")}`).toString(36).padStart(SECRET_LEN, "0");
  return `SWMTKN-1-${caDigest(ca.certPem)}-${secret}`;
}
