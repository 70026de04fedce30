import type { ClusterState } from "../../shared/model/index.js";
import { isTerminal, type StoredEvent } from "../../../schemas/index.js";

/**
 * The work-queue keys of the orchestrator's events. It remembers each task's service, so an event
 * about a task the fold has just deleted still finds it.
 */
export class ServiceRouter {
  private readonly serviceOfTask = new Map<string, string>();

  /** Once synced: every task's service. */
  seed(state: ClusterState): void {
    for (const t of state.tasks.values()) this.serviceOfTask.set(t.id, t.serviceId);
  }

  keysOf(e: StoredEvent, state: ClusterState): string[] {
    const ids = affectedServices(e, state, this.serviceOfTask);
    if (e.event.type === "TaskCreated") this.serviceOfTask.set(e.event.data.taskId, e.event.data.serviceId);
    if (e.event.type === "TaskDeleted") this.serviceOfTask.delete(e.event.data.taskId);
    return ids;
  }
}

/**
 * Which services an event may affect: the work-queue keys it enqueues. Handlers only enqueue;
 * the pass itself recomputes from the projection, so over-enqueueing is harmless.
 * `serviceOfTask` still knows tasks the fold has just deleted.
 */
export function affectedServices(e: StoredEvent, state: ClusterState, serviceOfTask: ReadonlyMap<string, string>): string[] {
  const ev = e.event;
  switch (ev.type) {
    case "ServiceCreated": case "ServiceUpdated": case "ServiceRemoved": case "ServiceRollbackRequested":
    case "ServiceUpdateStatusChanged": case "ServiceUpdateRolledBack":
      return [ev.data.serviceId];
    case "TaskCreated":
      return [ev.data.serviceId];
    case "TaskDesiredStateChanged": case "TaskDeleted": {
      const id = serviceOfTask.get(ev.data.taskId) ?? state.tasks.get(ev.data.taskId)?.serviceId;
      return id === undefined ? [] : [id];
    }
    case "TaskAssigned": case "TaskUnschedulable": case "TaskStatusChanged": {
      // Progress (pending → assigned → … → running) decides nothing unless an update is watching
      // it; an ended task is what the restart supervisor, promotions and the reaper act on. Most
      // events of a busy cluster are progress: skipping them spares a pass over the service.
      const id = serviceOfTask.get(ev.data.taskId) ?? state.tasks.get(ev.data.taskId)?.serviceId;
      if (id === undefined) return [];
      const ended = ev.type === "TaskStatusChanged" && isTerminal(ev.data.state);
      return ended || updateActive(state, id) ? [id] : [];
    }
    case "NodeJoined": case "NodeRegistered": case "NodeStatusChanged": case "NodeUpdated": case "NodeRemoved":
      // A node joining, coming back or gaining a label may need a global service's task.
      return [...new Set([...servicesOnNode(state, ev.data.nodeId), ...globalServices(state)])];
    case "ClusterInitialized": case "ClusterUpdated": // the task history limit may have changed
      return activeServices(state);
    default:
      return []; // kinds the orchestrator does not decide on; the periodic resync covers the rest
  }
}

/** The service's rolling update (or rollback) is in progress: it watches every task's progress. */
export function updateActive(state: ClusterState, serviceId: string): boolean {
  const st = state.services.get(serviceId)?.updateStatus?.state;
  return st === "updating" || st === "rollback_started";
}

export function servicesOnNode(state: ClusterState, nodeId: string): string[] {
  const out = new Set<string>();
  for (const t of state.tasks.values()) if (t.nodeId === nodeId) out.add(t.serviceId);
  return [...out];
}

export function globalServices(state: ClusterState): string[] {
  const out: string[] = [];
  for (const s of state.services.values()) if (!s.removed && s.spec.Mode && ("Global" in s.spec.Mode || "GlobalJob" in s.spec.Mode)) out.push(s.id);
  return out;
}

/** Services that may still need work: live ones, and removed ones with tasks left. */
export function activeServices(state: ClusterState): string[] {
  const out: string[] = [];
  for (const s of state.services.values()) {
    if (!s.removed || (state.tasksByService.get(s.id)?.size ?? 0) > 0) out.push(s.id);
  }
  return out;
}
