import type { ClusterState, NodeView, PlannedEvent, TaskView } from "../../shared/pure.js";
import { plan as planEvent, versionOf } from "../../shared/pure.js";
import { isTerminal, subjects, taskStateRank } from "../../../schemas/index.js";

/*
 * One scheduling pass (reference §4): every unassigned pending task that should run gets the
 * best ready+active node, or — when there is none — an explanation of why, written only when it
 * changes. Pure: the same state always yields the same decisions.
 */

const RUNNING = taskStateRank("running");

/** A pending task the scheduler must act on: unassigned, or preassigned (global) and unconfirmed. */
export function needsScheduling(t: TaskView): boolean {
  return t.state === "pending" && taskStateRank(t.desiredState) <= RUNNING;
}

/** Counts toward a node's load: assigned there, meant to run, not yet ended. */
export function isActive(t: TaskView): boolean {
  return t.nodeId !== undefined && taskStateRank(t.desiredState) <= RUNNING && !isTerminal(t.state);
}

/** Filter 1 of Swarm's pipeline (the only one jetswarm's specs need so far). */
export function nodeAvailable(n: NodeView): boolean {
  return n.state === "ready" && n.availability === "active";
}

/** Swarm's wording: `no suitable node (2 nodes not available for new tasks)`; "1 node" singular. */
export function unschedulableReason(rejected: number): string {
  if (rejected === 0) return "no suitable node";
  return `no suitable node (${rejected} node${rejected === 1 ? "" : "s"} not available for new tasks)`;
}

/** Active tasks per node, in total and per `<serviceId>|<nodeId>`; updated as the pass places tasks. */
export class Load {
  private readonly total = new Map<string, number>();
  private readonly perService = new Map<string, number>();

  static of(state: ClusterState): Load {
    const load = new Load();
    for (const t of state.tasks.values()) if (isActive(t)) load.add(t.serviceId, t.nodeId!);
    return load;
  }
  add(serviceId: string, nodeId: string): void {
    this.total.set(nodeId, this.totalOn(nodeId) + 1);
    const k = `${serviceId}|${nodeId}`;
    this.perService.set(k, (this.perService.get(k) ?? 0) + 1);
  }
  totalOn(nodeId: string): number { return this.total.get(nodeId) ?? 0; }
  serviceOn(serviceId: string, nodeId: string): number { return this.perService.get(`${serviceId}|${nodeId}`) ?? 0; }
}

/** Reference §4.4 `nodeLess`: fewer tasks of this service, then fewer tasks in total, then id. */
export function bestNode(candidates: readonly NodeView[], serviceId: string, load: Load): NodeView | undefined {
  let best: NodeView | undefined;
  for (const n of candidates) {
    if (!best || compareNodes(n, best, serviceId, load) < 0) best = n;
  }
  return best;
}

function compareNodes(a: NodeView, b: NodeView, serviceId: string, load: Load): number {
  return (load.serviceOn(serviceId, a.id) - load.serviceOn(serviceId, b.id))
    || (load.totalOn(a.id) - load.totalOn(b.id))
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Tasks in a stable order: by service, then slot, then id (batches a service's tasks together). */
function pendingTasks(state: ClusterState): TaskView[] {
  return [...state.tasks.values()].filter(needsScheduling).sort((a, b) =>
    a.serviceId.localeCompare(b.serviceId) || a.slot - b.slot || a.id.localeCompare(b.id));
}

function unschedulable(state: ClusterState, t: TaskView, err: string): PlannedEvent[] {
  if (t.err === err) return []; // already explained: never flood the log
  const version = versionOf(state, subjects.event("task", t.id));
  return [planEvent("TaskUnschedulable", "task", t.id, { taskId: t.id, err }, version, `unschedulable:${t.id}:${err}`)];
}

function assigned(state: ClusterState, t: TaskView, nodeId: string): PlannedEvent {
  const version = versionOf(state, subjects.event("task", t.id));
  return planEvent("TaskAssigned", "task", t.id, { taskId: t.id, nodeId }, version, `assign:${t.id}:${nodeId}`);
}

/**
 * The pass. `now` is accepted for parity with every planner (no time-based rule yet: failure
 * de-prioritisation would use it).
 */
export function plan(state: ClusterState, _now: Date): PlannedEvent[] {
  const nodes = [...state.nodes.values()];
  const candidates = nodes.filter(nodeAvailable);
  const rejected = nodes.length - candidates.length;
  const load = Load.of(state);
  const out: PlannedEvent[] = [];
  for (const t of pendingTasks(state)) {
    if (t.nodeId !== undefined) {
      // Preassigned (global) task: confirm its node, or say why not.
      const n = state.nodes.get(t.nodeId);
      if (n && nodeAvailable(n)) out.push(assigned(state, t, n.id));
      else out.push(...unschedulable(state, t, unschedulableReason(1)));
      continue;
    }
    const best = bestNode(candidates, t.serviceId, load);
    if (!best) {
      out.push(...unschedulable(state, t, unschedulableReason(rejected)));
      continue;
    }
    load.add(t.serviceId, best.id);
    out.push(assigned(state, t, best.id));
  }
  return out;
}
