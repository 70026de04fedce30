import type { ClusterState, NodeView, PlannedEvent, ServiceView, TaskView } from "../../shared/model/index.js";
import { plan, slotKey } from "../../shared/model/index.js";
import { isTerminal, jobMode, taskStateRank, type EventData } from "../../../schemas/index.js";
import { matchAll, parseConstraints } from "../../shared/model/index.js";
import { createdState, Draft, type IdFor } from "./draft.js";
import { mayPromote, restartAllowed, restartAtFor, restartDue, restartPolicy, type Policy } from "./restart.js";
import { historyLimit, reap, removable } from "./reaper.js";
import { byAge } from "./slots.js";
import { jobPolicy } from "./jobs.js";

/*
 * The global orchestrator (reference §3.2): one task per eligible node — not down, not drained,
 * matching the service's placement constraints — created with the node preset (slot 0). Tasks on
 * nodes that stop qualifying are shut down; a paused node keeps its task but gets none added. A
 * failed task is restarted on the same node under the restart policy. Pure and level-triggered.
 * A global job (`job`) runs one task per eligible node to completion per iteration (spec version,
 * see jobs.ts): a completed task is never replaced, earlier iterations' tasks do not count.
 */

const RUNNING = taskStateRank("running");
const REMOVE = taskStateRank("remove");

/** Whether the service should have a task on the node at all (pause still qualifies: keep, add none). */
export function eligibleNode(n: NodeView, svc: ServiceView): boolean {
  if (n.state === "down" || n.availability === "drain") return false;
  const hard = parseConstraints(svc.spec.TaskTemplate.Placement?.Constraints).filter((c) => !c.soft);
  return matchAll(hard, n);
}

/** The service's tasks per node, oldest first; tasks without a node are keyed "". */
function byNode(tasks: readonly TaskView[]): Map<string, TaskView[]> {
  const out = new Map<string, TaskView[]>();
  for (const t of [...tasks].sort(byAge)) {
    const k = t.nodeId ?? "";
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(t);
  }
  return out;
}

interface Pass {
  d: Draft;
  svc: ServiceView;
  policy: Policy;
  created: PlannedEvent[];
  job: boolean;
}

/** The events that move a global service's tasks towards one per eligible node, at `now`. */
export function planGlobal(state: ClusterState, svc: ServiceView, tasks: readonly TaskView[], now: Date, idFor: IdFor): PlannedEvent[] {
  const job = jobMode(svc.spec) !== undefined;
  const policy = job ? jobPolicy(svc.spec.TaskTemplate) : restartPolicy(svc.spec.TaskTemplate);
  const p: Pass = { d: new Draft(state, now, idFor), svc, policy, created: [], job };
  const groups = byNode(tasks);
  // A job's earlier iterations: shut down what still runs, and leave them out of the reckoning.
  const stale = job ? tasks.filter((t) => t.specVersion !== svc.specVersion) : [];
  for (const t of stale) shutDown(p, t);
  const current = job ? byNode(tasks.filter((t) => t.specVersion === svc.specVersion)) : groups;
  for (const [nodeId, nodeTasks] of groups) {
    const n = state.nodes.get(nodeId);
    if (!n || !eligibleNode(n, svc)) for (const t of nodeTasks) shutDown(p, t);
  }
  for (const n of [...state.nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (eligibleNode(n, svc)) reconcileNode(p, n, current.get(n.id) ?? [], idFor);
  }
  for (const t of tasks) {
    if (p.d.desiredOf(t) === "ready" && mayPromote(state, t, now)) p.d.raise(t, "running");
  }
  reap(p.d, tasks, -1);
  trimHistory(p.d, groups, historyLimit(state, p.policy.maxAttempts));
  return [...p.created, ...p.d.events()];
}

function shutDown(p: Pass, t: TaskView): void {
  if (taskStateRank(p.d.desiredOf(t)) <= RUNNING) p.d.raise(t, "shutdown");
}

/** An eligible node: shut down ended tasks, keep a live one, else create or restart one (not on pause). */
function reconcileNode(p: Pass, n: NodeView, nodeTasks: readonly TaskView[], idFor: IdFor): void {
  for (const t of nodeTasks) if (isTerminal(t.state)) shutDown(p, t);
  const live = nodeTasks.filter((t) => taskStateRank(p.d.desiredOf(t)) <= RUNNING);
  // More than one live task on a node (a race between passes): keep the newest.
  for (const t of live.slice(0, -1)) shutDown(p, t);
  if (live.length > 0 || n.availability === "pause") return;
  const newest = nodeTasks[nodeTasks.length - 1];
  if (p.job && newest?.state === "complete") return;
  if (!newest || !failed(newest) || taskStateRank(p.d.desiredOf(newest)) >= REMOVE) {
    create(p, n.id, "running", idFor);
    return;
  }
  if (!restartAllowed(p.policy, newest, nodeTasks, p.svc.specVersion, p.d.now) || !restartDue(newest, p.d.now)) return;
  const restartAt = restartAtFor(p.d.state, p.policy, newest, p.d.now);
  create(p, n.id, "ready", idFor, { restartAt, replaces: newest.id });
}

/** Ended on its own (failed, completed, rejected): a restart, under the policy. Stopped by us: not. */
function failed(t: TaskView): boolean {
  return isTerminal(t.state) && t.state !== "shutdown";
}

function create(p: Pass, nodeId: string, desiredState: "running" | "ready", idFor: IdFor, extra: { restartAt?: string; replaces?: string } = {}): void {
  const { svc } = p;
  const count = p.d.state.createdPerSlot.get(slotKey(svc.id, nodeId)) ?? 0;
  const taskId = idFor(`${svc.id}:${nodeId}:${count}`);
  const data: EventData<"TaskCreated"> = {
    taskId, serviceId: svc.id, serviceName: svc.spec.Name, slot: 0, nodeId,
    spec: svc.spec.TaskTemplate, specVersion: svc.specVersion, desiredState, state: createdState(svc.spec),
  };
  if (extra.restartAt !== undefined) data.restartAt = extra.restartAt;
  if (extra.replaces !== undefined) data.replaces = extra.replaces;
  p.created.push(plan("TaskCreated", "task", taskId, data, 0, `create:${svc.id}:${nodeId}:${count}`));
}

/** The reaper per (service, node): at most `limit` tasks, oldest ended ones first; never the newest. */
function trimHistory(d: Draft, groups: ReadonlyMap<string, TaskView[]>, limit: number): void {
  if (limit < 0) return;
  for (const nodeTasks of groups.values()) {
    const kept = nodeTasks.filter((t) => !removable(t));
    let excess = kept.length - limit;
    const newest = kept[kept.length - 1];
    for (const t of kept) {
      if (excess <= 0) break;
      if (t === newest || d.touched(t) || !expendable(t)) continue;
      d.delete(t);
      excess--;
    }
  }
}

function expendable(t: TaskView): boolean {
  return taskStateRank(t.desiredState) > RUNNING && (isTerminal(t.state) || taskStateRank(t.state) < taskStateRank("assigned"));
}
