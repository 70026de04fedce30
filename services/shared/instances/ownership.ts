import type { NatsConnection } from "@nats-io/transport-node";
import { OWNERSHIP, type OwnershipKind } from "../../../schemas/index.js";
import { errorMessage } from "../errors/index.js";
import { rendezvousOwner } from "../ownership/index.js";
import type { Logger } from "../telemetry/index.js";
import { Lease, leaseProbe, openLeaseKv, type LeaseKv, type LeaseOptions } from "./lease.js";
import { PartitionView, type PartitionChange } from "./partition.js";

/** What changed: whether this instance works now, and for a partitioned service the member sets. */
export interface OwnershipChange {
  active: boolean;
  /** Partitioned services: the live members before and after (sorted instance ids). */
  members?: PartitionChange;
}

/**
 * Which work this instance of a control-plane service does (DESIGN §5), whatever the roster says
 * its instances share: every key (`all`), the keys that hash to it among the live members
 * (`partitioned`), or every key while it holds the service's lease (`lease`). An efficiency, never
 * a safety matter: every append still states its expectation.
 */
export interface Ownership {
  readonly kind: OwnershipKind;
  /** Whether this instance works on `key` now. */
  owns(key: string): boolean;
  /** Whether this instance works at all now (a member; the lease holder). */
  readonly active: boolean;
  /** Called after each change (also while `start` runs: joining is a change); returns the unsubscribe. */
  onChange(listener: (change: OwnershipChange) => void): () => void;
  /** The role membership shows: `all`, `partitions`, `active` or `standby`. */
  status(): { role: string };
  /** Joins (partitioned: reads the members; lease: campaigns once) and keeps up until stopped. */
  start(): Promise<void>;
  /** Stops following; a lease holder releases its lease so a standby takes over at once. */
  stop(): Promise<void>;
}

/** Listeners of one ownership; a throwing listener is logged and does not stop the others. */
class Listeners {
  private readonly set = new Set<(c: OwnershipChange) => void>();
  constructor(private readonly log?: Logger) {}
  add(l: (c: OwnershipChange) => void): () => void {
    this.set.add(l);
    return () => this.set.delete(l);
  }
  emit(c: OwnershipChange): void {
    for (const l of this.set) {
      try { l(c); } catch (err) { this.log?.error("ownership change handler failed", { err: errorMessage(err) }); }
    }
  }
}

/** Every key, always: a service whose instances all work, a lone instance, in-process tests. */
export function ownAll(): Ownership {
  return {
    kind: OWNERSHIP.all, active: true, owns: () => true, onChange: () => () => {},
    status: () => ({ role: "all" }), start: async () => {}, stop: async () => {},
  };
}

/** Where the live members come from: the real one watches KV `swarm-members`. */
export type MemberSource = (onChange: (change: PartitionChange) => void) => Promise<{ stop(): Promise<void> }>;

/** The members of `service` from KV `swarm-members` (PartitionView). */
export function kvMembers(nc: NatsConnection, opts: { service: string; instanceId: string; sweepMs?: number; log?: Logger }): MemberSource {
  return (onChange) => PartitionView.start(nc, { ...opts, onChange });
}

/**
 * The keys that hash to this instance among the live members (rendezvous hashing). Owns nothing
 * until its own record is among them.
 */
export class PartitionedOwnership implements Ownership {
  readonly kind = OWNERSHIP.partitioned;
  private members: readonly string[] = [];
  private source?: { stop(): Promise<void> };
  private readonly listeners: Listeners;

  constructor(private readonly instanceId: string, private readonly members$: MemberSource, log?: Logger) {
    this.listeners = new Listeners(log);
  }

  owns(key: string): boolean {
    return rendezvousOwner(key, this.members) === this.instanceId;
  }

  get active(): boolean { return this.members.includes(this.instanceId); }

  /** The live instance ids, sorted. */
  get liveMembers(): readonly string[] { return this.members; }

  onChange(l: (c: OwnershipChange) => void): () => void { return this.listeners.add(l); }

  status(): { role: string } { return { role: "partitions" }; }

  async start(): Promise<void> {
    this.source = await this.members$((change) => {
      this.members = change.after;
      this.listeners.emit({ active: this.active, members: change });
    });
  }

  async stop(): Promise<void> { await this.source?.stop(); }
}

/** What a lease ownership needs besides its KV: the lease's options and the holder probe. */
export type LeaseOwnershipOptions = Omit<LeaseOptions, "onChange" | "probe"> & {
  probe?: { probe(holder: string): Promise<"gone" | "alive">; stop(): void };
};

/** Every key while this instance holds the service's lease; nothing while standby. */
export class LeaseOwnership implements Ownership {
  readonly kind = OWNERSHIP.lease;
  private readonly lease: Lease;
  private readonly listeners: Listeners;

  constructor(kv: LeaseKv, private readonly opts: LeaseOwnershipOptions) {
    this.listeners = new Listeners(opts.log);
    this.lease = new Lease(kv, { ...opts, probe: opts.probe?.probe, onChange: (active) => this.listeners.emit({ active }) });
  }

  owns(_key: string): boolean { return this.lease.active; }
  get active(): boolean { return this.lease.active; }
  onChange(l: (c: OwnershipChange) => void): () => void { return this.listeners.add(l); }
  status(): { role: string } { return { role: this.lease.active ? "active" : "standby" }; }
  start(): Promise<void> { return this.lease.start(); }

  async stop(): Promise<void> {
    await this.lease.stop();
    this.opts.probe?.stop();
  }
}

export interface OwnershipOptions {
  service: string;
  instanceId: string;
  log?: Logger;
  /** Partitioned: the members' sweep period, ms (tests). Default 500. */
  sweepMs?: number;
  /** Lease: its timings. Defaults LEASE_DEFAULTS. */
  lease?: Pick<LeaseOptions, "ttlMs" | "renewMs" | "retryMs">;
}

/** The ownership of `kind` on the real KV buckets (not started). */
export async function openOwnership(nc: NatsConnection, kind: OwnershipKind, opts: OwnershipOptions): Promise<Ownership> {
  const { service, instanceId, log } = opts;
  switch (kind) {
    case OWNERSHIP.all:
      return ownAll();
    case OWNERSHIP.partitioned:
      return new PartitionedOwnership(instanceId, kvMembers(nc, { service, instanceId, sweepMs: opts.sweepMs, log }), log);
    case OWNERSHIP.lease: {
      const kv = await openLeaseKv(nc, { ttlMs: opts.lease?.ttlMs });
      return new LeaseOwnership(kv, { ...opts.lease, service, holder: instanceId, log, probe: leaseProbe(nc, service, instanceId) });
    }
  }
}
