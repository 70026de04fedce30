import { readFileSync } from "node:fs";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { certRenewalConnectionName, nodeInbox } from "../../../schemas/bus-permissions.js";
import { RenewCertRpc, subjects, type CertificateWish } from "../../../schemas/index.js";
import { errorMessage } from "../../shared/errors/index.js";
import {
  BACKDATE_MS, caDigest, certTimes, createKeyAndCsr, ROLE_OU, verifyCert, writeIdentity, type IdentityFiles,
} from "../../shared/pki/index.js";
import { call } from "../../shared/rpc/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { renewalAt, renewNowReason, type HeldCert } from "../core/cert-renewal.js";

/*
 * The node's certificate renews itself (DESIGN §6): a fresh key and CSR, signed by the CA over the
 * node's own rpc subject (asked on the connection its current certificate opened), the new files
 * put in place as one (`writeIdentity`), then the connection moved onto them with a reconnect.
 * nats.js's node transport reads `certFile`/`keyFile`/`caFile` again at every connect attempt, so
 * a reconnect of the same connection presents the new certificate: its subscriptions are resent by
 * nats.js, the agent re-registers and re-creates its task consumer as after any reconnect, and no
 * container is touched. A reconnect that happened to read the files mid-swap fails once and is
 * retried 250 ms later.
 */

export interface CertRenewerDeps {
  /** The agent's connection; set later with `attach` when the renewer exists before it (a refused first login). */
  nc?: NatsConnection;
  /** NATS server URLs (comma-separated), for a renewal-only login. */
  url: string;
  nodeId: string;
  /** The identity the connection was opened with (`SWARM_NATS_TLS_CERT|KEY|CA`). */
  files: IdentityFiles;
  log: Logger;
  now?: () => Date;
  /** A draw in [0, 1) for the renewal point. Default Math.random. */
  random?: () => number;
  /** First delay between failed attempts, ms; doubles to a minute. Default 1000. */
  retryMs?: number;
}

/** setTimeout's limit (24.8 days): a later renewal point is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_RETRY_MS = 60_000;
/** At most one renewal-only login per this many ms, however often the bus refuses the agent. */
const REFUSAL_RENEW_EVERY_MS = 5_000;

export class CertRenewer {
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private started = false;
  /** The last wish told, acted on once started (not while the agent is still adopting its containers). */
  private wish: CertificateWish | undefined;
  /** The renewal point drawn for the certificate with this notAfter (drawn once per certificate). */
  private drawn: { notAfter: number; at: number } | undefined;
  private lastRefusalRenewal = -Infinity;
  private nc: NatsConnection | undefined;
  /** Certificates this renewer put in place. */
  renewed = 0;

  constructor(private readonly deps: CertRenewerDeps) {
    this.nc = deps.nc;
  }

  /** The agent's connection, once it is open. */
  attach(nc: NatsConnection): void {
    this.nc = nc;
  }

  /**
   * The bus refuses the node's login: its certificate may be of its former role (a promotion or
   * demotion closes its connection, and the callout refuses that certificate from then on). One
   * attempt, at most every 5 s, over a renewal-only login (`certRenewalConnectionName`), which the
   * callout admits for exactly the node's renewal subject; the agent's own connection, still
   * retrying, then logs in with the new files. For a removed node the attempt is refused too.
   */
  renewOnRefusal(): void {
    if (this.stopped || this.inflight || this.now() - this.lastRefusalRenewal < REFUSAL_RENEW_EVERY_MS) return;
    this.lastRefusalRenewal = this.now();
    this.inflight = this.renewOnce("the bus refuses this node's login", true)
      .catch((err: unknown) => this.deps.log.warn("renewal-only login failed", { err: errorMessage(err) }))
      .finally(() => { this.inflight = undefined; });
  }

  private now(): number {
    return (this.deps.now?.() ?? new Date()).getTime();
  }

  /** What the certificate on disk says now. */
  held(): HeldCert {
    const t = certTimes(readFileSync(this.deps.files.cert, "utf8"));
    return { notBefore: t.notBefore.getTime(), notAfter: t.notAfter.getTime(), ou: t.ou, caDigest: caDigest(readFileSync(this.deps.files.ca, "utf8")) };
  }

  /** Arms the timer for the current certificate's renewal point, and acts on the wish told so far. */
  start(): void {
    this.started = true;
    this.schedule();
    this.told(this.wish);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** The dispatcher's word on the certificate the node should hold: renews at once if it differs. */
  told(wish: CertificateWish | undefined): void {
    this.wish = wish ?? this.wish;
    if (!wish || this.stopped || !this.started) return;
    let reason: string | undefined;
    try {
      reason = renewNowReason(this.held(), wish, ROLE_OU, BACKDATE_MS);
    } catch (err) {
      reason = `the certificate cannot be read (${errorMessage(err)})`;
    }
    if (reason) void this.renewNow(reason);
  }

  /** Renews now (once at a time: a second call joins the first); resolves when the new certificate is in use. */
  renewNow(reason: string): Promise<void> {
    this.inflight ??= this.renewUntilDone(reason).finally(() => { this.inflight = undefined; });
    return this.inflight;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    let cert: HeldCert;
    try {
      cert = this.held();
    } catch (err) {
      this.deps.log.error("node certificate unreadable: not renewing it", { err: errorMessage(err) });
      return;
    }
    if (this.drawn?.notAfter !== cert.notAfter) {
      this.drawn = { notAfter: cert.notAfter, at: renewalAt(cert, (this.deps.random ?? Math.random)(), BACKDATE_MS) };
    }
    const inMs = Math.max(0, this.drawn.at - this.now());
    this.deps.log.info("certificate renewal scheduled", { at: new Date(this.drawn.at).toISOString(), notAfter: new Date(cert.notAfter).toISOString() });
    this.timer = setTimeout(() => {
      if (inMs > MAX_TIMER_MS) this.schedule();
      else void this.renewNow("half to four fifths of its life has passed");
    }, Math.min(inMs, MAX_TIMER_MS));
    this.timer.unref?.();
  }

  private async renewUntilDone(reason: string): Promise<void> {
    let delay = this.deps.retryMs ?? 1000;
    while (!this.stopped) {
      try {
        await this.renewOnce(reason, false);
        return;
      } catch (err) {
        this.deps.log.warn("certificate renewal failed; retrying", { reason, err: errorMessage(err), inMs: delay });
        await new Promise((r) => setTimeout(r, delay).unref?.());
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }

  private async renewOnce(reason: string, renewalLogin: boolean): Promise<void> {
    const { nodeId, files, log } = this.deps;
    const nc = renewalLogin ? await this.renewalLogin() : this.nc;
    if (!nc) throw new Error("not connected to the bus yet");
    log.info("renewing the node certificate", { reason, ...(renewalLogin ? { login: "renewal-only" } : {}) });
    try {
      const { keyPem, csrPem } = await createKeyAndCsr();
      const reply = await call(nc, subjects.certRenewOf(nodeId), RenewCertRpc, { nodeId, csr: csrPem }, { timeoutMs: 10_000 });
      const who = verifyCert(reply.cert, [reply.caCert]);
      if (who.commonName !== nodeId) throw new Error(`the CA returned a certificate for ${who.commonName}, not for this node (${nodeId})`);
      writeIdentity(files, { certPem: reply.cert, keyPem, caPem: trustBundle(reply.caCert, readFileSync(files.ca, "utf8")) });
      this.renewed++;
      log.info("node certificate renewed", { reason, role: reply.role, notAfter: who.notAfter.toISOString() });
    } finally {
      if (renewalLogin) await nc.close().catch(() => undefined);
    }
    // The live connection still runs on the old certificate: move it onto the new one. (After a
    // renewal-only login the agent's connection is retrying its login and reads the new files itself.)
    const main = this.nc;
    if (!renewalLogin && main && !main.isClosed()) {
      await main.reconnect().catch((err: unknown) => log.warn("reconnect onto the new certificate failed", { err: errorMessage(err) }));
    }
    this.schedule();
  }

  /** A short-lived connection with the node's current files, under the renewal-only name. */
  private renewalLogin(): Promise<NatsConnection> {
    const { files, nodeId, url } = this.deps;
    return connect({
      servers: url.split(",").map((u) => u.trim()).filter(Boolean), name: certRenewalConnectionName(nodeId), inboxPrefix: nodeInbox(nodeId),
      reconnect: false, timeout: 5000, tls: { certFile: files.cert, keyFile: files.key, caFile: files.ca },
    });
  }
}

/**
 * The roots the node trusts after a renewal: the CA that signed the new certificate first, and
 * the one it trusted before if that differs (a root being rotated: the server's certificate may
 * still be from the old one).
 */
function trustBundle(newCa: string, oldCa: string): string {
  const blocks = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  // The signing root first: it is the one whose digest the node compares with the cluster's.
  return `${[...new Set([...blocks(newCa), ...blocks(oldCa)])].slice(0, 2).join("\n")}\n`;
}
