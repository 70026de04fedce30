import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { BUCKETS, LeaseProbeRpc, subjects } from "../../../schemas/index.js";
import { errorMessage } from "../errors/index.js";
import { ensureBucket } from "../nats/index.js";
import { call, RpcNoRespondersError, serve } from "../rpc/index.js";
import type { Logger } from "../telemetry/index.js";

/**
 * The KV operations a lease needs; the real one is a JetStream KV bucket with a TTL (DESIGN §5),
 * unit tests use a fake. `create` fails when the key exists (and has not expired); `update` fails
 * unless the key is still at `revision`.
 */
export interface LeaseKv {
  create(key: string, value: string): Promise<number>;
  update(key: string, value: string, revision: number): Promise<number>;
  /** Removes the key, only if it is still at `revision`. */
  release(key: string, revision: number): Promise<void>;
  /** The key's current value and revision (undefined when absent or expired). */
  get?(key: string): Promise<{ value: string; revision: number } | undefined>;
}

export interface LeaseOptions {
  /** The singleton's name; the key is `lease.<service>`. */
  service: string;
  /** This instance (recorded in the lease's value). */
  holder: string;
  /** Must equal the bucket's TTL: after it a lease not renewed is gone. Default 3000 ms. */
  ttlMs?: number;
  /** Renewal period while active. Default 1000 ms. */
  renewMs?: number;
  /** Campaign period while standby. Default 500 ms. */
  retryMs?: number;
  /** Monotonic-enough clock in ms. Default `Date.now`. */
  now?: () => number;
  /** Called when this instance becomes active (true) or stops being active (false). */
  onChange?: (active: boolean) => void;
  /**
   * Whether the holder named in the lease is still there: `gone` only when that is certain (its
   * NATS connection, and so its probe subscription, no longer exists). A standby that hears `gone`
   * takes the lease at once instead of waiting for the TTL (see `leaseProbe`).
   */
  probe?: (holder: string) => Promise<"gone" | "alive">;
  log?: Logger;
}

export const LEASE_DEFAULTS = { ttlMs: 3000, renewMs: 1000, retryMs: 500 } as const;

export const leaseKey = (service: string) => `lease.${service}`;

/** What a lease key holds. */
export interface LeaseValue { holder: string; service: string }

/**
 * A singleton's lease: campaign with `create`, renew with `update(…, revision)`, and stop acting
 * the moment a renewal fails or the TTL has run out since the last successful one (counted from
 * the moment the request was sent, so never later than the server's own expiry). Safety does not
 * rest on it: every append still carries its expectation.
 */
export class Lease {
  private revision: number | undefined;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;
  private wasActive = false;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private readonly value: string;

  constructor(private readonly kv: LeaseKv, private readonly opts: LeaseOptions) {
    this.ttlMs = opts.ttlMs ?? LEASE_DEFAULTS.ttlMs;
    this.renewMs = opts.renewMs ?? LEASE_DEFAULTS.renewMs;
    this.retryMs = opts.retryMs ?? LEASE_DEFAULTS.retryMs;
    if (!(this.renewMs < this.ttlMs)) throw new Error(`lease renewMs (${this.renewMs}) must be less than ttlMs (${this.ttlMs})`);
    this.now = opts.now ?? Date.now;
    this.value = JSON.stringify({ holder: opts.holder, service: opts.service } satisfies LeaseValue);
  }

  get key(): string { return leaseKey(this.opts.service); }

  /** True while this instance holds a lease that cannot have expired yet. */
  get active(): boolean {
    return this.revision !== undefined && this.now() - this.renewedAt < this.ttlMs;
  }

  /** One step: campaign when standby, renew when holding. Never throws. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const sentAt = this.now();
    if (this.revision !== undefined && !this.active) this.lose("ttl ran out before a renewal succeeded");
    try {
      if (this.revision === undefined) {
        this.revision = await this.kv.create(this.key, this.value).catch(async (err: unknown) => {
          const taken = await this.takeOverFromGone();
          if (taken === undefined) throw err;
          return taken;
        });
      } else {
        this.revision = await this.kv.update(this.key, this.value, this.revision);
      }
      this.renewedAt = sentAt;
    } catch (err) {
      if (this.revision !== undefined) this.lose(`renewal failed: ${errorMessage(err)}`);
    }
    this.notify();
  }

  /** Campaigns at once, then keeps ticking until stopped. */
  async start(): Promise<void> {
    await this.tick();
    this.schedule();
  }

  /** Stops ticking; releases the lease if held so a standby takes over without waiting the TTL. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
    const rev = this.revision;
    const held = this.active;
    this.revision = undefined;
    this.notify();
    if (held && rev !== undefined && opts.release !== false) {
      await this.kv.release(this.key, rev).catch((err) => this.opts.log?.debug("lease release failed", { err: errorMessage(err) }));
    }
  }

  /**
   * The key is held: when its holder is certainly gone (a process killed: its connection closed),
   * remove the lease at the revision read — only if nobody renewed it since — and campaign at once.
   * The revision of the new lease, or undefined when the holder may still be there.
   */
  private async takeOverFromGone(): Promise<number | undefined> {
    if (!this.opts.probe || !this.kv.get) return undefined;
    const cur = await this.kv.get(this.key);
    if (!cur) return undefined;
    let holder: string | undefined;
    try { holder = (JSON.parse(cur.value) as Partial<LeaseValue>).holder; } catch { return undefined; }
    if (typeof holder !== "string" || (await this.opts.probe(holder)) !== "gone") return undefined;
    this.opts.log?.info("lease holder is gone (its connection closed): taking over", { service: this.opts.service, holder });
    await this.kv.release(this.key, cur.revision);
    return this.kv.create(this.key, this.value);
  }

  private lose(why: string): void {
    this.revision = undefined;
    this.opts.log?.warn("lease lost", { service: this.opts.service, why });
  }

  private notify(): void {
    const now = this.active;
    if (now === this.wasActive) return;
    this.wasActive = now;
    this.opts.log?.info(now ? "lease acquired: active" : "lease released: standby", { service: this.opts.service });
    this.opts.onChange?.(now);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick().finally(() => this.schedule());
    }, this.revision === undefined ? this.retryMs : this.renewMs);
    this.timer.unref?.();
  }
}


/** The leases bucket (TTL = the lease TTL) as a `LeaseKv`. */
export async function openLeaseKv(nc: NatsConnection, opts: { ttlMs?: number; replicas?: number } = {}): Promise<LeaseKv & { kv: KV }> {
  const kv = await ensureBucket(nc, BUCKETS.leases, { ttlMs: opts.ttlMs ?? LEASE_DEFAULTS.ttlMs, replicas: opts.replicas });
  return {
    kv,
    create: (key, value) => kv.create(key, value),
    update: (key, value, revision) => kv.update(key, value, revision),
    release: (key, revision) => kv.delete(key, { previousSeq: revision }),
    get: async (key) => {
      const e = await kv.get(key);
      return e && e.operation === "PUT" ? { value: e.string(), revision: e.revision } : undefined;
    },
  };
}

/**
 * Liveness of lease holders by request/reply: every instance answers on its own subject
 * (`swarm.rpc.lease.<service>.<holder>`), and `probe` asks a holder. NATS answers "no responders"
 * at once when no connection subscribes — a killed process's connection is closed by the server as
 * soon as the socket is — so `gone` is certain; a slow or silent answer counts as `alive` (the TTL
 * then decides). Safety never rests on it: the appends' expectations still guard a stale holder.
 */
export function leaseProbe(nc: NatsConnection, service: string, self: string, timeoutMs = 250): { probe(holder: string): Promise<"gone" | "alive">; stop(): void } {
  const served = serve(nc, subjects.leaseProbe(service, self), LeaseProbeRpc, () => ({}));
  return {
    probe: async (holder) => {
      try {
        await call(nc, subjects.leaseProbe(service, holder), LeaseProbeRpc, {}, { timeoutMs });
        return "alive";
      } catch (err) {
        return err instanceof RpcNoRespondersError ? "gone" : "alive";
      }
    },
    // Stopping only unsubscribes; a connection already closed has nothing left to stop.
    stop: () => { void served.stop().catch(() => undefined); },
  };
}

/** Current lease holders by service (expired leases are gone from the bucket). */
export async function leaseHolders(nc: NatsConnection): Promise<Map<string, string>> {
  const { kv } = await openLeaseKv(nc);
  const out = new Map<string, string>();
  for await (const key of await kv.keys("lease.>")) {
    const e = await kv.get(key);
    if (!e || e.operation !== "PUT") continue;
    try {
      const v = JSON.parse(e.string()) as Partial<LeaseValue>;
      if (typeof v.holder === "string") out.set(key.slice("lease.".length), v.holder);
    } catch { /* not ours: ignore */ }
  }
  return out;
}
