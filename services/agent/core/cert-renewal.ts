import type { CertificateWish } from "../../../schemas/index.js";

/*
 * When a node renews its certificate (DESIGN §6; swarmkit's renewal): at a random point between
 * 50 % and 80 % of its life (so that nodes joined together do not all renew at once), and at once
 * when the log wants another certificate — another role, another `--cert-expiry`, another trust
 * root. Pure: the random draw and the times come in as arguments.
 */

/** swarmkit's renewal window: from half to four fifths of a certificate's life. */
export const RENEW_WINDOW = { from: 0.5, to: 0.8 } as const;

/** What the node's own certificate says. Times in ms since the epoch. */
export interface HeldCert {
  notBefore: number;
  notAfter: number;
  /** The OU: the role it was issued for (`swarm-worker` / `swarm-manager`). */
  ou: string;
  /** The digest of the root the node trusts (its `ca.crt`). */
  caDigest: string;
}

/**
 * The life of a certificate starts at its issuance: `notBefore` is back-dated by `backdateMs`
 * (peers with slow clocks), which is not life that was used.
 */
export function lifeOf(cert: Pick<HeldCert, "notBefore" | "notAfter">, backdateMs: number): { from: number; ms: number } {
  const from = Math.min(cert.notBefore + backdateMs, cert.notAfter);
  return { from, ms: cert.notAfter - from };
}

/** The time (ms since the epoch) to renew at, for a draw `random` in [0, 1). */
export function renewalAt(cert: Pick<HeldCert, "notBefore" | "notAfter">, random: number, backdateMs: number): number {
  if (!(random >= 0 && random < 1)) throw new Error(`random: must be in [0, 1), got ${random}`);
  const life = lifeOf(cert, backdateMs);
  const share = RENEW_WINDOW.from + (RENEW_WINDOW.to - RENEW_WINDOW.from) * random;
  return life.from + Math.floor(life.ms * share);
}

/** Certificate times have whole seconds, and signing takes a moment: lifetimes this close are the same. */
export function sameExpiry(lifeMs: number, expiryMs: number): boolean {
  return Math.abs(lifeMs - expiryMs) <= Math.max(5_000, expiryMs * 0.01);
}

/** Why the certificate must be renewed now to be what the log wants, or undefined. */
export function renewNowReason(cert: HeldCert, wish: CertificateWish, roleOu: Record<CertificateWish["role"], string>, backdateMs: number): string | undefined {
  if (cert.ou !== roleOu[wish.role]) return `the node is a ${wish.role} now; its certificate says ${cert.ou || "?"}`;
  if (wish.caDigest && wish.caDigest !== cert.caDigest) return "the cluster's trust root changed";
  const life = lifeOf(cert, backdateMs).ms;
  if (!sameExpiry(life, wish.expiryMs)) return `the cluster's certificate expiry is ${wish.expiryMs} ms; this certificate was issued for ${life} ms`;
  return undefined;
}
