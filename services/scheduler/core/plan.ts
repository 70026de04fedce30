import type { ClusterState, PlannedEvent, TaskView } from "../../shared/model/index.js";
import { plan as planEvent, versionOf } from "../../shared/model/index.js";
import { subjects, taskStateRank } from "../../../schemas/index.js";
import { chooseNode, isPlainSpread, SpreadHeap } from "./choose.js";
import { cmp, nodeInfos, taskInfo, type NodeInfo } from "./node-info.js";
import { PassVerdicts } from "./verdicts.js";
import { explain, noSuitableNode, runPipeline } from "./pipeline.js";

/*
 * One scheduling pass (reference §4): every pending task that should run goes through the filter
 * pipeline; the eligible nodes are ordered by placement preferences and strategy; a task that fits
 * nowhere gets the explanation, written only when it changes. Pure: the same state always yields
 * the same decisions.
 */

const RUNNING = taskStateRank("running");

/** A pending task the scheduler must act on: unassigned, or preassigned (global) and unconfirmed. */
export function needsScheduling(t: TaskView): boolean {
  return t.state === "pending" && taskStateRank(t.desiredState) <= RUNNING;
}

/**
 * Pending tasks in a stable order: by service, then slot, then id (batches a service's tasks
 * together). Lazily, one service at a time: a pass that stops at its limit does not sort the
 * whole backlog (100,000 pending tasks sorted per pass cost more than placing 5,000 of them).
 */
function* pendingTasks(state: ClusterState): Generator<TaskView> {
  for (const serviceId of [...state.tasksByService.keys()].sort(cmp)) {
    const out: TaskView[] = [];
    for (const id of state.tasksByService.get(serviceId)!) {
      const t = state.tasks.get(id);
      if (t && needsScheduling(t)) out.push(t);
    }
    if (out.length > 1) out.sort((a, b) => a.slot - b.slot || cmp(a.id, b.id));
    yield* out;
  }
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
 * One task's decision against the current node infos: the node it goes to, or why none. A
 * preassigned (global) task is checked against its own node only, and its explanation is bare.
 */
export function decide(state: ClusterState, t: TaskView, infos: readonly NodeInfo[]): { node: NodeInfo } | { err: string } {
  const info = taskInfo(state, t);
  if (t.nodeId !== undefined) {
    const own = infos.filter((n) => n.node.id === t.nodeId);
    if (own.length === 0) return { err: "node not found" };
    const r = runPipeline(info, own);
    return r.eligible[0] ? { node: r.eligible[0] } : { err: explain(r.failures) };
  }
  const r = runPipeline(info, infos);
  const node = chooseNode(info, infos, r.eligible);
  return node ? { node } : { err: noSuitableNode(r.failures) };
}

/**
 * The pass: at most `limit` events (default: all), so that a large backlog is placed in several
 * passes whose assignments flow on while the next pass is decided. Each pass recomputes from the
 * projection, so stopping early changes no decision, only when it is written.
 */
export function plan(state: ClusterState, _now: Date, limit = Infinity): PlannedEvent[] {
  const pending = pendingTasks(state);
  const first = pending.next();
  if (first.done) return []; // most passes: a status change, nothing to place
  const infos = nodeInfos(state);
  const verdicts = new PassVerdicts(infos);
  const out: PlannedEvent[] = [];
  const keys = new Map<unknown, { serviceId: string; key: string }>();
  let heap: SpreadHeap | undefined; // the last group's spread order, while only its placements change nodes
  for (let next: IteratorResult<TaskView> = first; !next.done; next = pending.next()) {
    if (out.length >= limit) break;
    const t = next.value;
    // A service's tasks usually share one spec object: its key is computed once per pass.
    let memo = keys.get(t.spec);
    if (memo?.serviceId !== t.serviceId) keys.set(t.spec, (memo = { serviceId: t.serviceId, key: PassVerdicts.keyOf(t.serviceId, t.spec) }));
    const key = memo.key;
    const make = () => taskInfo(state, t);
    let d: { node: NodeInfo } | { err: string };
    if (t.nodeId !== undefined) {
      d = decide(state, t, infos);
      heap = undefined;
    } else {
      const r = verdicts.result(key, make);
      const info = verdicts.info(key, make);
      let node: NodeInfo | undefined;
      if (r.eligible.length > 0 && isPlainSpread(info)) {
        if (heap?.key !== key || heap.eligible !== r.eligible) heap = new SpreadHeap(key, info, r.eligible);
        node = heap.min();
      } else {
        heap = undefined;
        node = chooseNode({ ...info, id: t.id }, infos, r.eligible);
      }
      d = node ? { node } : { err: noSuitableNode(r.failures) };
    }
    if ("err" in d) {
      out.push(...unschedulable(state, t, d.err));
      continue;
    }
    // Later tasks of the pass see this one's reservations, ports and load.
    d.node.add(verdicts.info(key, make), true);
    verdicts.changed(d.node);
    heap?.raised(d.node);
    out.push(assigned(state, t, d.node.node.id));
  }
  return out;
}
