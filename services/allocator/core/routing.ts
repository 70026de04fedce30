import type { ClusterState } from "../../shared/model/index.js";
import { isTerminal, type StoredEvent } from "../../../schemas/index.js";

/** The one work key: every pass looks at the whole projection (one active allocator, lease). */
export const PASS = "allocate";

/**
 * Whether an event may leave something to allocate (or free what a waiting task needs): a
 * network's, a service's or a node's event; a task created `new`, placed (its node's gateway) or
 * ended while holding addresses. Events of tasks without networks change nothing here; a deletion
 * frees nothing usable before its quarantine is over (the periodic resync retries waiting tasks).
 */
export function mayNeedAllocation(e: StoredEvent, state: ClusterState): boolean {
  const { type, data } = e.event as { type: string; data: Record<string, unknown> };
  if (type.startsWith("Network") || type.startsWith("Service") || type.startsWith("Node")) return true;
  switch (type) {
    case "TaskCreated":
      return data.state === "new";
    case "TaskAssigned":
      return state.tasks.get(data.taskId as string)?.networks !== undefined;
    case "TaskStatusChanged":
      return isTerminal(data.state as Parameters<typeof isTerminal>[0]) && state.tasks.get(data.taskId as string)?.networks !== undefined;
    default:
      return false;
  }
}
