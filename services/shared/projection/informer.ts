import type { SingularKind, StoredEvent } from "../../../schemas/index.js";
import { errorMessage, unavailable } from "../errors/index.js";
import type { EventStore, Subscription, UnreadableEvent } from "../model/index.js";
import { applySlices, evolve, foldTable, initialClusterState, SLICE_KINDS, type ClusterState, type FoldTable } from "../model/index.js";
import { isBatch, membersOf } from "../model/index.js";
import type { Logger } from "../telemetry/index.js";
import type { SnapshotStore } from "./snapshot-store.js";

/** Called once per singular event: a batch's members one by one (batch-members.ts), after the whole batch was folded. */
export type EventListener = (e: StoredEvent, state: ClusterState) => void;

export interface InformerOptions {
  /** Where snapshots are read at start and written while following. Absent: replay from the start, never write. */
  snapshots?: SnapshotStore;
  /** Write a snapshot once the stored one lags this projection by this many events. Default 10 000. */
  snapshotEvery?: number;
  /** At most one snapshot write by this instance per this many ms. Default 30 000. */
  snapshotMinIntervalMs?: number;
  /** Random delay before a write, up to this many ms. Default 1000. */
  snapshotJitterMs?: number;
  /**
   * The slices (aggregate kinds) this projection folds; the others stay empty. A service declares
   * what it reads (a secret store need not fold tasks). Default: every slice.
   */
  slices?: readonly SingularKind[];
  /** How long `start()` may take to reach the head seen at start, ms. Default 600 000. */
  syncTimeoutMs?: number;
  log?: Logger;
}

export const SNAPSHOT_DEFAULTS = { every: 10_000, minIntervalMs: 30_000, jitterMs: 1000 } as const;

/**
 * A projection of the whole log: start from the latest usable snapshot (if any), replay the log
 * after it, then follow live. `start()` resolves once the head seen at start has been applied
 * (`synced`); reconcilers do no work before that. A snapshot is only a cache: without one, the
 * same state is reached by replaying from sequence 1.
 */
export class Informer {
  readonly state: ClusterState = initialClusterState();
  private sub?: Subscription;
  private readonly listeners = new Set<EventListener>();
  private readonly failedListeners = new Set<(err: Error) => void>();
  /** Pending `waitFor`s, ascending by seq: applying an event looks only at the front. */
  private readonly waiters: { seq: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  /** Set when the log holds an event this build cannot read: the projection stops there (see `halt`). */
  private failure?: Error;
  private syncedFlag = false;
  /** Id of the event at `state.seq` (recorded in a snapshot so a loader can check it is of this log). */
  private lastEventId = "";
  /** Highest sequence a stored snapshot is known to cover. */
  private coveredSeq = 0;
  private lastWriteAt = 0;
  private snapTimer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private stopped = false;
  private fromSnapshot = 0;
  private readonly slices: readonly SingularKind[];
  private readonly table: FoldTable;
  /** Slices a snapshot could not restore, refolded from sequence 1 up to `until` (the snapshot's seq). */
  private rebuild?: { until: number; table: FoldTable };

  constructor(private readonly store: EventStore, private readonly opts: InformerOptions = {}) {
    this.slices = opts.slices ?? SLICE_KINDS;
    this.table = foldTable(this.slices);
  }

  get synced(): boolean { return this.syncedFlag; }
  /** Why the projection stopped following, if it did (an event this build cannot read). */
  get failed(): Error | undefined { return this.failure; }
  get seq(): number { return this.state.seq; }
  /** The sequence of the snapshot `start()` began from (0: replayed from the start). */
  get startedFrom(): number { return this.fromSnapshot; }

  onEvent(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /**
   * Called once if the projection stops at an event this build cannot read (at once if it already
   * has). A service treats it as fatal after sync: it cannot decide on a state it no longer follows.
   */
  onFailed(cb: (err: Error) => void): () => void {
    if (this.failure) {
      cb(this.failure);
      return () => undefined;
    }
    this.failedListeners.add(cb);
    return () => this.failedListeners.delete(cb);
  }

  async start(): Promise<void> {
    const t0 = Date.now();
    const loaded = await this.opts.snapshots?.load(this.slices);
    if (loaded) {
      Object.assign(this.state, loaded.state);
      this.lastEventId = loaded.meta.lastEventId;
      // A snapshot with a slice of another fold is still a cache for the others: that slice is refolded from the start.
      if (loaded.stale.length > 0) this.rebuild = { until: loaded.meta.seq, table: foldTable(loaded.stale) };
      else this.coveredSeq = loaded.meta.seq;
    }
    const fromSnapshot = (this.fromSnapshot = this.state.seq);
    const head = await this.store.headSeq();
    this.sub = this.store.subscribe(this.rebuild ? 1 : this.state.seq + 1, (e) => this.apply(e), (u) => this.halt(u));
    await this.waitFor(head, this.opts.syncTimeoutMs ?? 600_000);
    this.syncedFlag = true;
    this.opts.log?.info("projection synced", {
      seq: this.state.seq, fromSnapshot, replayed: this.state.seq - fromSnapshot, ms: Date.now() - t0,
      ...(loaded ? { snapshotWriter: loaded.meta.writer, snapshotBytes: loaded.bytes, rebuiltSlices: loaded.stale } : {}),
    });
    this.maybeSnapshot();
  }

  private apply(e: StoredEvent): void {
    if (this.rebuild) {
      if (e.seq <= this.rebuild.until) {
        applySlices(this.state, e, undefined, this.rebuild.table);
        if (e.seq < this.rebuild.until) return;
      }
      this.rebuild = undefined;
      this.release();
    }
    if (e.seq <= this.state.seq) return;
    // A batch is expanded once, for the fold and for the listeners.
    const batch = isBatch(e.event) ? membersOf(e.event) : undefined;
    evolve(this.state, e, batch, this.table);
    this.lastEventId = e.event.id;
    if (this.listeners.size > 0) {
      for (const m of batch ? batch.map((event) => ({ seq: e.seq, event })) : [e]) for (const l of this.listeners) l(m, this.state);
    }
    this.release();
    if (this.syncedFlag) this.maybeSnapshot();
  }

  /** Resolves the `waitFor`s the state has reached (none while slices are being rebuilt). */
  private release(): void {
    if (this.rebuild) return;
    let n = 0;
    while (n < this.waiters.length && this.waiters[n]!.seq <= this.state.seq) n++;
    if (n > 0) for (const w of this.waiters.splice(0, n)) w.resolve();
  }

  /**
   * The rolling-upgrade policy (DESIGN §3): an event of a type or version this build does not know
   * was written by a newer control plane. Folding on without it would decide on a wrong state, and
   * skipping it silently would be worse: the projection stops at that event, says which and why,
   * and every `waitFor` (and so `start()`) fails with that error until this service is upgraded.
   */
  private halt(u: UnreadableEvent): void {
    this.failure = unavailable(
      `projection stopped at event seq ${u.seq} (${u.type ?? "unknown type"} on ${u.subject}): ${u.why}; ` +
      "this service cannot read what a newer control plane wrote: upgrade it",
    );
    this.opts.log?.error("projection stopped: event cannot be read", { ...u, folded: this.state.seq });
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    for (const cb of [...this.failedListeners]) cb(this.failure);
    this.failedListeners.clear();
  }

  /** Schedules a write, off the apply path, when enough events were applied since the last snapshot. */
  private maybeSnapshot(): void {
    const every = this.opts.snapshotEvery ?? SNAPSHOT_DEFAULTS.every;
    if (!this.opts.snapshots || this.stopped || this.writing || this.snapTimer) return;
    if (this.state.seq === 0 || this.state.seq - this.coveredSeq < Math.max(1, every)) return;
    // Jitter: instances of every service reach the threshold together; the first to write spares the others.
    const jitter = Math.random() * (this.opts.snapshotJitterMs ?? SNAPSHOT_DEFAULTS.jitterMs);
    const wait = Math.max(0, this.lastWriteAt + (this.opts.snapshotMinIntervalMs ?? SNAPSHOT_DEFAULTS.minIntervalMs) - Date.now()) + jitter;
    this.snapTimer = setTimeout(() => {
      this.snapTimer = undefined;
      this.writing = this.writeSnapshot(this.opts.snapshots!, every).finally(() => { this.writing = undefined; });
    }, wait);
    this.snapTimer.unref?.();
  }

  private async writeSnapshot(snapshots: SnapshotStore, every: number): Promise<void> {
    try {
      // Another instance of any service may already have written one recent enough (one shared snapshot).
      const stored = await snapshots.latest(this.slices);
      if (stored && stored.seq + every > this.state.seq) {
        this.coveredSeq = Math.max(this.coveredSeq, stored.seq);
        return;
      }
      if (this.stopped) return;
      this.lastWriteAt = Date.now();
      const t0 = Date.now();
      // The cut is taken inside, synchronously: state and the id of its last event together.
      const m = await snapshots.save(() => ({ state: this.state, lastEventId: this.lastEventId, slices: this.slices }));
      if (m) {
        this.coveredSeq = Math.max(this.coveredSeq, m.seq);
        this.opts.log?.info("snapshot written", { seq: m.seq, ms: Date.now() - t0 });
      } else {
        this.coveredSeq = Math.max(this.coveredSeq, (await snapshots.latest(this.slices))?.seq ?? 0);
      }
    } catch (err) {
      this.opts.log?.warn("snapshot write failed (the log is intact; next attempt later)", { err: errorMessage(err) });
      this.lastWriteAt = Date.now();
    }
  }

  /** Resolves once the projection has applied `seq` (read-your-writes). */
  waitFor(seq: number, timeoutMs = 10_000): Promise<void> {
    if (this.state.seq >= seq && !this.rebuild) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const w = {
        seq,
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (err: Error) => { clearTimeout(timer); reject(err); },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(unavailable(`projection did not reach sequence ${seq} within ${timeoutMs} ms`));
      }, timeoutMs);
      // Insert in seq order (binary search); equal seqs keep their arrival order.
      let lo = 0, hi = this.waiters.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.waiters[mid]!.seq <= seq) lo = mid + 1;
        else hi = mid;
      }
      this.waiters.splice(lo, 0, w);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.snapTimer);
    this.snapTimer = undefined;
    await this.sub?.stop();
    await this.writing;
  }
}
