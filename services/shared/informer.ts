import type { StoredEvent } from "../../schemas/index.js";
import { unavailable } from "./errors.js";
import type { EventStore, Subscription } from "./event-store.js";
import { evolve, initialClusterState, type ClusterState } from "./cluster-state.js";

export type EventListener = (e: StoredEvent, state: ClusterState) => void;

/**
 * A projection of the whole log: replay from the start, then follow live. `start()` resolves
 * once the head seen at start has been applied (`synced`); reconcilers do no work before that.
 */
export class Informer {
  readonly state: ClusterState = initialClusterState();
  private sub?: Subscription;
  private readonly listeners = new Set<EventListener>();
  /** Pending `waitFor`s, ascending by seq: applying an event looks only at the front. */
  private readonly waiters: { seq: number; resolve: () => void }[] = [];
  private syncedFlag = false;

  constructor(private readonly store: EventStore) {}

  get synced(): boolean { return this.syncedFlag; }
  get seq(): number { return this.state.seq; }

  onEvent(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  async start(): Promise<void> {
    const head = await this.store.headSeq();
    this.sub = this.store.subscribe(this.state.seq + 1, (e) => this.apply(e));
    await this.waitFor(head, 120_000);
    this.syncedFlag = true;
  }

  private apply(e: StoredEvent): void {
    if (e.seq <= this.state.seq) return;
    evolve(this.state, e);
    for (const l of this.listeners) l(e, this.state);
    let n = 0;
    while (n < this.waiters.length && this.waiters[n]!.seq <= this.state.seq) n++;
    if (n > 0) for (const w of this.waiters.splice(0, n)) w.resolve();
  }

  /** Resolves once the projection has applied `seq` (read-your-writes). */
  waitFor(seq: number, timeoutMs = 10_000): Promise<void> {
    if (this.state.seq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = {
        seq,
        resolve: () => { clearTimeout(timer); resolve(); },
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
    await this.sub?.stop();
  }
}
