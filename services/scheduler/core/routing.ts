import { parseEventSubject, taskStateRank, type Envelope } from "../../../schemas/index.js";

/** The scheduler's one work key: a pass over the whole projection. */
export const PASS = "schedule";

const RUNNING_RANK = taskStateRank("running");

/**
 * Whether an event can give a pending task a place or take one away: a node change, a task
 * created, stopped or deleted, or a task that ended (its reservation and ports are free again).
 * Placements themselves and progress reports (assigned … running) change nothing a pass decides
 * on; a pass per report batch would rescan every task many times a second at scale.
 */
export function mayChangePlacement(e: Envelope): boolean {
  const kind = parseEventSubject(e.subject)?.kind;
  if (kind === "node") return true;
  if (kind !== "task") return false;
  if (e.type === "TaskAssigned" || e.type === "TaskUnschedulable") return false;
  if (e.type === "TaskStatusChanged") return taskStateRank(e.data.state) > RUNNING_RANK;
  return true;
}
