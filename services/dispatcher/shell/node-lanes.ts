/**
 * One lane per node: a node's items are handled in the order they came (its task states move
 * forward in that order), different nodes' at the same time — they touch different tasks. Items
 * of a node that arrive while its lane is busy are handed over together once it is free: a node
 * that reported ten times during one commit costs one more submission, not ten in a row.
 */
export class NodeLanes<T> {
  private readonly queued = new Map<string, T[]>();
  private readonly busy = new Set<string>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private count = 0;

  constructor(private readonly max: number, private readonly handle: (key: string, items: T[]) => Promise<void>) {}

  /** Resolves when fewer than `max` items are queued or being handled. */
  async room(): Promise<void> {
    while (this.count >= this.max) await new Promise<void>((r) => this.roomWaiters.push(r));
  }

  push(key: string, item: T): void {
    this.count++;
    const q = this.queued.get(key);
    if (q) q.push(item);
    else this.queued.set(key, [item]);
    if (!this.busy.has(key)) this.start(key);
  }

  private start(key: string): void {
    const items = this.queued.get(key);
    if (!items) return;
    this.queued.delete(key);
    this.busy.add(key);
    void this.handle(key, items).catch(() => undefined).finally(() => {
      this.busy.delete(key);
      this.count -= items.length;
      for (const w of this.roomWaiters.splice(0)) w();
      if (this.queued.has(key)) this.start(key);
      else if (this.count === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  /** Resolves when nothing is queued or being handled. */
  async drain(): Promise<void> {
    while (this.count > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }
}
