/*
 * Outages of the bus as the dispatcher saw them: spans during which one of its connections was
 * down (disconnected, reconnecting), so that no heartbeat could reach it. A node cannot be judged
 * on beats that could not be heard: when an outage ends, every node gets a fresh grace period from
 * the moment the dispatcher hears again. Pure: times are ms of the dispatcher's clock, given in.
 */

/** One connection's outage; `toMs` absent = still out. */
export interface Outage {
  /** Which connection (a name: `heartbeats`, `log`, …): each recovers on its own. */
  conn: string;
  fromMs: number;
  toMs?: number;
}

/** How many ended outages are remembered: only the latest end matters, a few help the logs. */
const KEEP = 8;

/** The connection went down at `atMs` (a second "down" while out changes nothing). */
export function wentDown(outages: readonly Outage[], conn: string, atMs: number): Outage[] {
  if (outages.some((o) => o.conn === conn && o.toMs === undefined)) return [...outages];
  return [...outages, { conn, fromMs: atMs }].slice(-KEEP);
}

/** The connection is back at `atMs`: its open outage ends (a "back" with none open records one of no length). */
export function cameBack(outages: readonly Outage[], conn: string, atMs: number): Outage[] {
  const open = outages.findIndex((o) => o.conn === conn && o.toMs === undefined);
  if (open < 0) return [...outages, { conn, fromMs: atMs, toMs: atMs }].slice(-KEEP);
  return outages.map((o, i) => (i === open ? { ...o, toMs: atMs } : o));
}

/**
 * What liveness may rely on: `deaf` while any connection is out (no node can be judged missing),
 * else `sinceMs`, when the latest outage ended (0: none), from which every node's silence counts.
 */
export function hearing(outages: readonly Outage[]): { deaf: true } | { deaf: false; sinceMs: number } {
  let sinceMs = 0;
  for (const o of outages) {
    if (o.toMs === undefined) return { deaf: true };
    sinceMs = Math.max(sinceMs, o.toMs);
  }
  return { deaf: false, sinceMs };
}
