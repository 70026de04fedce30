import type { ClusterState, TaskView } from "../../shared/model/index.js";
import { isTerminal, taskStateRank } from "../../../schemas/index.js";
import type { Draft } from "./draft.js";
import { groupBySlot } from "./slots.js";

/*
 * The task reaper (reference §3.4): deletes removed tasks once they are stopped, and trims each
 * slot's history to the cluster's task history limit.
 */

export const DEFAULT_TASK_HISTORY_LIMIT = 5;

/** Tasks kept per slot; negative = keep all. MaxAttempts > 0 keeps enough to count restarts. */
export function historyLimit(state: ClusterState, maxAttempts: number): number {
  const limit = state.cluster?.taskHistoryLimit ?? DEFAULT_TASK_HISTORY_LIMIT;
  if (limit < 0) return limit;
  return maxAttempts > 0 ? Math.max(limit, maxAttempts + 1) : limit;
}

const neverAssigned = (t: TaskView) => taskStateRank(t.state) < taskStateRank("assigned");

/** Desired remove, and either never reached a node or already stopped. */
export function removable(t: TaskView): boolean {
  return t.desiredState === "remove" && (neverAssigned(t) || isTerminal(t.state));
}

/** History that may go: not meant to run (desired > running), and ended or never assigned. */
function expendable(t: TaskView): boolean {
  return taskStateRank(t.desiredState) > taskStateRank("running") && (isTerminal(t.state) || neverAssigned(t));
}

function oldestFirst(a: TaskView, b: TaskView): number {
  if (a.statusAt !== b.statusAt) return a.statusAt < b.statusAt ? -1 : 1;
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

/** Plans the deletions among `tasks` (one service's), skipping tasks this pass already changes. */
export function reap(d: Draft, tasks: readonly TaskView[], limit: number): void {
  const gone = new Set<string>();
  for (const t of tasks) {
    if (removable(t) && !d.touched(t)) {
      d.delete(t);
      gone.add(t.id);
    }
  }
  if (limit < 0) return;
  for (const slotTasks of groupBySlot(tasks).values()) {
    const kept = slotTasks.filter((t) => !gone.has(t.id));
    let excess = kept.length - limit;
    if (excess <= 0) continue;
    // The slot's newest task is never trimmed: an ended one that is not restarted holds the slot.
    const newest = kept[kept.length - 1];
    const candidates = kept.filter((x) => x !== newest && expendable(x) && !d.touched(x));
    for (const t of candidates.sort(oldestFirst)) {
      if (excess-- <= 0) break;
      d.delete(t);
    }
  }
}
