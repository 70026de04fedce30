import type { ClusterState, TaskView } from "../../shared/model/index.js";

/*
 * `swarm node rm` (NodeRemoved): the node leaves the swarm, and its tasks must no longer be sent
 * to it. Their docs on NODE_TASKS become tombstones, so an agent still attached removes the
 * containers and a re-joining node never sees them again.
 */

/** The task is assigned to a node that is no longer in the swarm. */
export function onRemovedNode(state: ClusterState, t: TaskView): boolean {
  return t.nodeId !== undefined && !state.nodes.has(t.nodeId);
}

/** Whether a doc found on the stream at start must be tombstoned: its task or its node is gone. */
export function docOrphaned(state: ClusterState, nodeId: string, taskId: string): boolean {
  const t = state.tasks.get(taskId);
  return !t || !state.nodes.has(nodeId) || t.nodeId !== nodeId;
}

/** Tasks assigned to `nodeId` (to re-sync their docs when the node is removed). */
export function tasksOnNode(state: ClusterState, nodeId: string): string[] {
  const out: string[] = [];
  for (const t of state.tasks.values()) if (t.nodeId === nodeId) out.push(t.id);
  return out;
}
