/*
 * The live members of one partitioned service, as one instance sees them (DESIGN §5). Pure: the
 * shell feeds it what KV `swarm-members` says and the local time.
 *
 * JetStream KV removes an expired record silently (bucket max age: no delete marker reaches a
 * watcher), so expiry is judged here: a member not seen for `ttlMs` is gone. It is judged only
 * while this instance sees its own heartbeats: an instance cut off from NATS (its own record
 * stale) keeps its last view rather than concluding that everyone else died — safety rests on
 * the append expectations, not on this view.
 */
export class MemberTable {
  /** Member id → local time (ms) its record was last seen put. */
  private readonly seenAt = new Map<string, number>();
  private lastView: string[] = [];

  constructor(private readonly self: string, private readonly ttlMs: number) {}

  /** A record of `member` was put (a heartbeat), seen at `atMs`. */
  seen(member: string, atMs: number): void {
    this.seenAt.set(member, Math.max(atMs, this.seenAt.get(member) ?? atMs));
  }

  /** The record of `member` was deleted (a clean stop): gone at once. */
  gone(member: string): void {
    this.seenAt.delete(member);
  }

  private fresh(member: string, nowMs: number): boolean {
    const at = this.seenAt.get(member);
    return at !== undefined && nowMs - at <= this.ttlMs;
  }

  /**
   * The live members at `nowMs`, sorted. Empty until this instance's own record has been seen (it
   * owns nothing before it is a member) or once it was deleted; the last view while its own
   * record is stale (cut off from the KV).
   */
  live(nowMs: number): string[] {
    if (!this.seenAt.has(this.self)) return (this.lastView = []);
    if (!this.fresh(this.self, nowMs)) return this.lastView;
    for (const m of [...this.seenAt.keys()]) if (!this.fresh(m, nowMs)) this.seenAt.delete(m);
    return (this.lastView = [...this.seenAt.keys()].sort());
  }

  /** Whether this instance's own record is fresh at `nowMs` (false: the view is frozen). */
  connected(nowMs: number): boolean {
    return this.fresh(this.self, nowMs);
  }
}
