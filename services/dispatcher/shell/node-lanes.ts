/**
 * One lane per node: a node's reports are handled in the order they came (its task states move
 * forward in that order), different nodes' at the same time — they touch different tasks.
 */
export class NodeLanes {
  private readonly tails = new Map<string, Promise<void>>();
  private inflight = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly max: number) {}

  /** Resolves when fewer than `max` items are queued or running. */
  async room(): Promise<void> {
    while (this.inflight >= this.max) await new Promise<void>((r) => this.waiters.push(r));
  }

  run(key: string, work: () => Promise<void>): void {
    this.inflight++;
    const tail = (this.tails.get(key) ?? Promise.resolve()).then(work).finally(() => {
      this.inflight--;
      if (this.tails.get(key) === tail) this.tails.delete(key);
      this.waiters.shift()?.();
    });
    this.tails.set(key, tail);
  }

  async drain(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
