import type { KV, KvEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { errorMessage } from "../errors/index.js";
import type { Logger } from "../telemetry/index.js";
import { MemberTable } from "../ownership/index.js";
import { MEMBERSHIP_DEFAULTS, MemberRecord, memberKeyPrefix, openMembersKv } from "./membership.js";
import { rendezvousOwner } from "../ownership/index.js";

export interface PartitionChange {
  before: readonly string[];
  after: readonly string[];
}

export interface PartitionViewOptions {
  /** The partitioned service; its members are the keys `<service>.*` of KV `swarm-members`. */
  service: string;
  instanceId: string;
  /** Called after the live member set changed (ownership moved), never re-entrantly. */
  onChange?: (change: PartitionChange) => void;
  /** How often expired members are looked for, in ms. Default 500. */
  sweepMs?: number;
  /** How long a member may go without a heartbeat. Default the bucket's TTL (6000 ms). */
  ttlMs?: number;
  /** Local clock in ms. Default `Date.now`. */
  now?: () => number;
  log?: Logger;
}

/**
 * The live instances of one service, from a watch of KV `swarm-members`, and the keys this
 * instance owns among them (rendezvous hashing). It owns nothing until its own record appears;
 * it keeps its last view while cut off from the KV (see MemberTable). Puts and deletes arrive by
 * the watch; expiry (which the KV does not announce) is judged on this instance's own heartbeats
 * as they arrive; a sweep restarts a watch through which even those stopped arriving.
 */
export class PartitionView {
  private members: string[] = [];
  private readonly table: MemberTable;
  private readonly idOfKey = new Map<string, string>();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private iter: { stop(): void } | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastRewatch = 0;

  private constructor(private readonly kv: KV, private readonly opts: PartitionViewOptions, ttlMs: number) {
    this.now = opts.now ?? Date.now;
    this.ttlMs = ttlMs;
    this.table = new MemberTable(opts.instanceId, ttlMs);
  }

  /** Opens the members bucket and starts watching it; resolves once the current records are read. */
  static async start(nc: NatsConnection, opts: PartitionViewOptions): Promise<PartitionView> {
    const kv = await openMembersKv(nc);
    const ttlMs = opts.ttlMs ?? ((await kv.status()).ttl || MEMBERSHIP_DEFAULTS.ttlMs);
    const view = new PartitionView(kv, opts, ttlMs);
    await view.begin();
    return view;
  }

  /** Whether this instance owns `key` now (services use it through `PartitionedOwnership`). */
  owns(key: string): boolean {
    return rendezvousOwner(key, this.members) === this.opts.instanceId;
  }

  /** The live instance ids, sorted (empty: this instance is not a member yet). */
  get liveMembers(): readonly string[] { return this.members; }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweep);
    this.iter?.stop();
    await this.loop;
  }

  private async begin(): Promise<void> {
    // The current records first, so that the view is right when start() resolves; the watch
    // then delivers them again (harmless) and everything after.
    for await (const key of await this.kv.keys(this.filter)) {
      const e = await this.kv.get(key);
      if (e) this.onEntry(e);
    }
    this.loop = this.follow();
    this.sweep = setInterval(() => this.onSweep(), this.opts.sweepMs ?? 500);
    this.sweep.unref?.();
  }

  private get filter(): string { return `${memberKeyPrefix(this.opts.service)}.>`; }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        const iter = await this.kv.watch({ key: this.filter });
        this.iter = iter;
        if (this.stopped) iter.stop();
        for await (const e of iter) this.onEntry(e);
      } catch (err) {
        this.opts.log?.warn("members watch failed; retrying", { err: errorMessage(err) });
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private onEntry(e: KvEntry): void {
    const at = this.now();
    if (e.operation === "PUT") {
      let json: unknown;
      try { json = JSON.parse(e.string()); } catch { json = undefined; }
      const rec = MemberRecord.safeParse(json);
      if (!rec.success || rec.data.service !== this.opts.service) return;
      this.idOfKey.set(e.key, rec.data.instanceId);
      this.table.seen(rec.data.instanceId, at);
    } else {
      const id = this.idOfKey.get(e.key);
      if (id !== undefined) this.table.gone(id);
      this.idOfKey.delete(e.key);
    }
    this.refresh();
  }

  private onSweep(): void {
    const now = this.now();
    // Not even our own heartbeats arrive: the watch may be stuck; start a new one (once per TTL).
    if (!this.table.connected(now) && this.members.length > 0 && now - this.lastRewatch > this.ttlMs) {
      this.lastRewatch = now;
      this.iter?.stop();
    }
    this.refresh();
  }

  private refresh(): void {
    const after = this.table.live();
    const before = this.members;
    if (after.length === before.length && after.every((m, i) => m === before[i])) return;
    this.members = after;
    this.opts.log?.info("partition members changed", { service: this.opts.service, members: after });
    try {
      this.opts.onChange?.({ before, after });
    } catch (err) {
      this.opts.log?.error("partition change handler failed", { err: errorMessage(err) });
    }
  }
}
