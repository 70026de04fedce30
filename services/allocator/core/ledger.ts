import { isTerminal, type Envelope } from "../../../schemas/index.js";

/*
 * When each address was freed (pure, folded from the log's events in order): the projection
 * forgets a deleted task, a removed service's old VIPs and a removed node's gateways, so the
 * allocator keeps who held what and, once they let go, the event time of the release. The planner
 * keeps an address out of use until that time plus the quarantine. Event time, not the wall
 * clock: the same log gives the same releases.
 */

interface Held { networkId: string; address: string }

export class ReleaseLedger {
  /** `task:<id>`, `service:<id>`, `node:<id>` → the addresses it holds. */
  private readonly holders = new Map<string, Held[]>();
  /** networkId → address (with prefix) → release time, ms. */
  private readonly released = new Map<string, Map<string, number>>();

  /** Folds one (member) event. */
  observe(e: Pick<Envelope, "type" | "data" | "at">): void {
    const at = Date.parse(e.at);
    const d = e.data as Record<string, unknown>;
    switch (e.type) {
      case "TaskAllocated":
        this.hold(`task:${d.taskId as string}`, (d.networks as Held[]).map(({ networkId, address }) => ({ networkId, address })), at);
        return;
      case "TaskStatusChanged":
        if (isTerminal(d.state as Parameters<typeof isTerminal>[0])) this.drop(`task:${d.taskId as string}`, at);
        return;
      case "TaskDeleted":
        this.drop(`task:${d.taskId as string}`, at);
        return;
      case "ServiceAllocated":
        this.hold(`service:${d.serviceId as string}`, d.vips as Held[], at);
        return;
      case "ServiceRemoved":
        this.drop(`service:${d.serviceId as string}`, at);
        return;
      case "NetworkNodeAttached": {
        const key = `node:${d.nodeId as string}`;
        const list = (this.holders.get(key) ?? []).filter((h) => h.networkId !== d.networkId);
        this.holders.set(key, [...list, { networkId: d.networkId as string, address: d.gateway as string }]);
        return;
      }
      case "NodeRemoved":
        this.drop(`node:${d.nodeId as string}`, at);
        return;
      case "NetworkRemoved":
        // The subnet itself goes back to the pool: its addresses mean nothing any more.
        this.released.delete(d.networkId as string);
        return;
      default:
    }
  }

  /** Addresses of `networkId` released after `sinceMs` (address with prefix → release time). */
  releasedSince(networkId: string, sinceMs: number): [string, number][] {
    const m = this.released.get(networkId);
    if (!m) return [];
    const out: [string, number][] = [];
    for (const [a, t] of m) if (t > sinceMs) out.push([a, t]);
    return out;
  }

  /** Forgets releases at or before `beforeMs` (their quarantine is over). */
  prune(beforeMs: number): void {
    for (const [net, m] of this.released) {
      for (const [a, t] of m) if (t <= beforeMs) m.delete(a);
      if (m.size === 0) this.released.delete(net);
    }
  }

  /** A holder's new set: what it no longer holds is released at `at`. */
  private hold(key: string, now: Held[], at: number): void {
    const keep = new Set(now.map((h) => `${h.networkId} ${h.address}`));
    for (const h of this.holders.get(key) ?? []) if (!keep.has(`${h.networkId} ${h.address}`)) this.release(h, at);
    if (now.length > 0) this.holders.set(key, now);
    else this.holders.delete(key);
  }

  private drop(key: string, at: number): void {
    for (const h of this.holders.get(key) ?? []) this.release(h, at);
    this.holders.delete(key);
  }

  private release(h: Held, at: number): void {
    let m = this.released.get(h.networkId);
    if (!m) this.released.set(h.networkId, (m = new Map()));
    m.set(h.address, at);
  }
}
