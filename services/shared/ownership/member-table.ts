/*
 * The live members of one partitioned service, as one instance sees them (DESIGN §5). Pure: the
 * shell feeds it what KV `swarm-members` says and the local time.
 *
 * JetStream KV removes an expired record silently (bucket max age: no delete marker reaches a
 * watcher), so expiry is judged here, and only on evidence: a member is gone once this instance
 * has seen its own heartbeat more than `ttlMs` after that member's last one. While this instance
 * hears nothing (cut off from NATS, its own heartbeats stop arriving too) nobody expires: it keeps
 * its last view rather than concluding that everyone else died — and never drops the others a
 * moment before it notices it is cut off itself. Safety rests on the append expectations, not on
 * this view.
 */
export class MemberTable {
  /** Member id → local time (ms) its record was last seen put. */
  private readonly seenAt = new Map<string, number>();

  constructor(private readonly self: string, private readonly ttlMs: number) {}

  /** A record of `member` was put (a heartbeat), seen at `atMs`. */
  seen(member: string, atMs: number): void {
    this.seenAt.set(member, Math.max(atMs, this.seenAt.get(member) ?? atMs));
  }

  /** The record of `member` was deleted (a clean stop): gone at once. */
  gone(member: string): void {
    this.seenAt.delete(member);
  }

  /**
   * The live members, sorted. Empty until this instance's own record has been seen (it owns
   * nothing before it is a member) or once its record was deleted.
   */
  live(): string[] {
    const mine = this.seenAt.get(this.self);
    if (mine === undefined) return [];
    for (const [m, at] of [...this.seenAt]) if (mine - at > this.ttlMs) this.seenAt.delete(m);
    return [...this.seenAt.keys()].sort();
  }

  /** Whether this instance's own heartbeats still arrive at `nowMs` (false: the view is frozen). */
  connected(nowMs: number): boolean {
    const mine = this.seenAt.get(this.self);
    return mine !== undefined && nowMs - mine <= this.ttlMs;
  }
}
