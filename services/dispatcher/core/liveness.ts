import type { ClusterState, PlannedEvent } from "../../shared/pure.js";
import { plan, versionOf } from "../../shared/pure.js";
import { subjects } from "../../../schemas/index.js";

/** A ready node is down after this many heartbeat periods without a heartbeat (reference §6). */
export const MISSED_PERIODS = 3;
export const HEARTBEAT_FAILURE = "heartbeat failure";

export interface LivenessInput {
  /** Node id → when its last heartbeat (or registration) was seen, in ms of the dispatcher's clock. */
  lastSeen: ReadonlyMap<string, number>;
  /** When this dispatcher started (ms): every node gets a grace period from then. */
  startedAtMs: number;
  nowMs: number;
  periodMs: number;
}

/** The ready nodes whose heartbeat is overdue at `nowMs`, each marked down once. */
export function planLiveness(state: ClusterState, input: LivenessInput): PlannedEvent[] {
  const deadline = MISSED_PERIODS * input.periodMs;
  const out: PlannedEvent[] = [];
  for (const n of state.nodes.values()) {
    if (n.state !== "ready") continue;
    const seen = Math.max(input.lastSeen.get(n.id) ?? input.startedAtMs, input.startedAtMs);
    if (input.nowMs - seen <= deadline) continue;
    const version = versionOf(state, subjects.event("node", n.id));
    out.push(plan("NodeStatusChanged", "node", n.id, { nodeId: n.id, state: "down", message: HEARTBEAT_FAILURE }, version, `down:${n.id}`));
  }
  return out;
}

/** Whether a heartbeat written at `writtenAtMs` (stream time) is too old to prove the node is alive. */
export function isStaleHeartbeat(writtenAtMs: number, nowMs: number, periodMs: number): boolean {
  return nowMs - writtenAtMs > MISSED_PERIODS * periodMs;
}
