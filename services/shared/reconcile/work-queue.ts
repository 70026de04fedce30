import { errorMessage, isRetryable } from "../errors/index.js";
import type { Logger } from "../telemetry/index.js";

export interface WorkQueueOptions {
  /** Quiet time before a queued key is processed, to batch bursts. Default 20 ms. */
  debounceMs?: number;
  /** First retry delay after a retryable error; doubles per failure. Default 100 ms. */
  backoffMs?: number;
  /** Retry delay cap. Default 5000 ms. */
  maxBackoffMs?: number;
  /**
   * Due times are rounded up to a multiple of this (ms), so keys added within one such window run
   * together, in `order`. Default 1.
   */
  bucketMs?: number;
  /** The order in which the keys that fall due together are started. Default: as added. */
  order?: (a: string, b: string) => number;
}

/**
 * Keys in, one worker per key at a time (kubernetes' workqueue): adding a key that is being
 * processed marks it dirty so it runs once more afterwards. Retryable failures requeue the key
 * with per-key exponential back-off; others are logged by kind and dropped until the next add.
 */
export class WorkQueue {
  /** Queued keys → the bucket (due time, whole ms) they wait in. */
  private readonly pending = new Map<string, number>();
  /** One timer per due millisecond, however many keys are due then (a burst of 100,000 adds is a handful of timers). */
  private readonly buckets = new Map<number, { timer: NodeJS.Timeout; keys: string[] }>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly handler: (key: string) => Promise<void>,
    private readonly log: Logger,
    private readonly opts: WorkQueueOptions = {},
  ) {}

  add(key: string, delayMs = this.opts.debounceMs ?? 20): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.pending.has(key)) return;
    const step = this.opts.bucketMs ?? 1;
    const due = Math.ceil((performance.now() + delayMs) / step) * step;
    let bucket = this.buckets.get(due);
    if (!bucket) {
      bucket = { timer: setTimeout(() => this.fire(due), Math.max(0, due - performance.now())), keys: [] };
      this.buckets.set(due, bucket);
    }
    bucket.keys.push(key);
    this.pending.set(key, due);
  }

  private fire(due: number): void {
    const bucket = this.buckets.get(due);
    this.buckets.delete(due);
    const keys = bucket?.keys ?? [];
    if (this.opts.order && keys.length > 1) keys.sort(this.opts.order);
    for (const key of keys) {
      if (this.pending.get(key) === due) void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    this.pending.delete(key);
    if (this.stopped) return;
    this.running.add(key);
    try {
      await this.handler(key);
      this.failures.delete(key);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const retry = isRetryable(err);
      this.log.warn("work item failed", { key, attempt: n, retry, err: errorMessage(err) });
      if (retry) this.dirty.add(key);
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) {
        const n = this.failures.get(key) ?? 0;
        const delay = n === 0 ? 0 : Math.min((this.opts.backoffMs ?? 100) * 2 ** (n - 1), this.opts.maxBackoffMs ?? 5000);
        this.add(key, delay);
      }
      if (this.pending.size === 0 && this.running.size === 0) this.idleWaiters.splice(0).forEach((r) => r());
    }
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const b of this.buckets.values()) clearTimeout(b.timer);
    this.buckets.clear();
    this.pending.clear();
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10));
  }
}
