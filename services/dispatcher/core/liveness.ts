import type { ClusterState, PlannedEvent } from "../../shared/model/index.js";
import { plan, versionOf } from "../../shared/model/index.js";
import { subjects } from "../../../schemas/index.js";
import { hearing, type Outage } from "./outages.js";

/** A ready node is down after this many heartbeat periods without a heartbeat (reference §6). */
export const MISSED_PERIODS = 3;
export const HEARTBEAT_FAILURE = "heartbeat failure";
/**
 * After an outage of the bus, a node not heard since gets this long beyond its deadline: its agent
 * reconnects through the auth callout, which can only admit it once the secret-store is back on
 * the bus too (a bus-outage test marked a node down in CI without it).
 */
export const AFTER_OUTAGE_EXTRA_MS = 10_000;

export interface LivenessInput {
  /** Node id → when its last heartbeat (or registration) was seen, in ms of the dispatcher's clock. */
  lastSeen: ReadonlyMap<string, number>;
  /** When this dispatcher started (ms): every node gets a grace period from then. */
  startedAtMs: number;
  nowMs: number;
  /** The cluster's current heartbeat period (ms). */
  periodMs: number;
  /**
   * Node id → the period it was given at registration. An agent beats at that period until it
   * registers again, so a node is judged on the longer of the two: lengthening the period applies
   * at once, shortening it once the agent has heard.
   */
  toldPeriodMs?: ReadonlyMap<string, number>;
  /** The nodes this instance judges (partitioned by node, DESIGN §5). Default every node. */
  owns?: (nodeId: string) => boolean;
  /**
   * This dispatcher's outages of the bus (`outages.ts`): while one lasts nobody is judged, and
   * after the latest one every node's silence counts from its end. Default none.
   */
  outages?: readonly Outage[];
}

/** How long a node may be silent before it is down: 3 × the period that applies to it. */
export function deadlineMs(input: LivenessInput, nodeId: string): number {
  return MISSED_PERIODS * Math.max(input.periodMs, input.toldPeriodMs?.get(nodeId) ?? 0);
}

/** The ready nodes (of those owned) whose heartbeat is overdue at `nowMs`, each marked down once. */
export function planLiveness(state: ClusterState, input: LivenessInput): PlannedEvent[] {
  const out: PlannedEvent[] = [];
  const heard = hearing(input.outages ?? []);
  if (heard.deaf) return out; // beats sent now cannot reach us: silence proves nothing
  for (const n of state.nodes.values()) {
    if (n.state !== "ready" || input.owns?.(n.id) === false) continue;
    // The node's last event (registered, ready — possibly by another dispatcher) counts as seen:
    // a node registered elsewhere just now is not down before its first heartbeat could arrive.
    const lastEventMs = Date.parse(n.updatedAt);
    const last = input.lastSeen.get(n.id) ?? input.startedAtMs;
    // Silent since before the bus came back: its agent may still be waiting to be let in (a worker's
    // login is decided by the auth callout, whose own connection comes back after ours).
    const afterOutage = heard.sinceMs > 0 && last < heard.sinceMs ? heard.sinceMs + AFTER_OUTAGE_EXTRA_MS : 0;
    const seen = Math.max(last, input.startedAtMs, heard.sinceMs, afterOutage, Number.isFinite(lastEventMs) ? lastEventMs : 0);
    if (input.nowMs - seen <= deadlineMs(input, n.id)) continue;
    const version = versionOf(state, subjects.event("node", n.id));
    out.push(plan("NodeStatusChanged", "node", n.id, { nodeId: n.id, state: "down", message: HEARTBEAT_FAILURE }, version, `down:${n.id}`));
  }
  return out;
}

/** Whether a heartbeat written at `writtenAtMs` (stream time) is too old to prove the node is alive. */
export function isStaleHeartbeat(writtenAtMs: number, nowMs: number, periodMs: number): boolean {
  return nowMs - writtenAtMs > MISSED_PERIODS * periodMs;
}
