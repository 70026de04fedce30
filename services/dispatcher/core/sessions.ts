import type { ClusterState, PlannedEvent } from "../../shared/model/index.js";
import { plan, versionOf } from "../../shared/model/index.js";
import { subjects, taskStateRank, type RegisterRequest, type TaskStatusReport } from "../../../schemas/index.js";

/*
 * What the dispatcher decides for what a node says (registration, heartbeat, task reports).
 * Each decider returns at most one event per aggregate, so a batch never conflicts with itself;
 * the shell calls it again on the new state until it returns nothing.
 */

/** Swarm's heartbeat period when the cluster has not set one (ms). */
export const DEFAULT_HEARTBEAT_PERIOD_MS = 2000;

export function heartbeatPeriodMs(state: ClusterState): number {
  return state.cluster?.heartbeatPeriodMs ?? DEFAULT_HEARTBEAT_PERIOD_MS;
}

export function notInSwarm(nodeId: string): string {
  return `node ${nodeId} is not part of this swarm`;
}

function nodeVersion(state: ClusterState, nodeId: string): number {
  return versionOf(state, subjects.event("node", nodeId));
}

function markReady(state: ClusterState, nodeId: string, key: string): PlannedEvent[] {
  const n = state.nodes.get(nodeId);
  if (!n || n.state === "ready") return [];
  return [plan("NodeStatusChanged", "node", nodeId, { nodeId, state: "ready", message: "" }, nodeVersion(state, nodeId), key)];
}

/** Registration: record a changed description/address first, then mark the node ready. */
export function planRegistration(state: ClusterState, req: RegisterRequest): PlannedEvent[] {
  const n = state.nodes.get(req.nodeId);
  if (!n) return [];
  const same = n.addr === req.addr && JSON.stringify(n.description) === JSON.stringify(req.description);
  if (!same) {
    const data = { nodeId: req.nodeId, description: req.description, addr: req.addr };
    return [plan("NodeRegistered", "node", n.id, data, nodeVersion(state, n.id), `register:${n.id}:${req.sessionId}`)];
  }
  return markReady(state, n.id, `register-ready:${n.id}:${req.sessionId}`);
}

/** A heartbeat from a node that is down, unknown or disconnected brings it back to ready. */
export function planHeartbeat(state: ClusterState, nodeId: string): PlannedEvent[] {
  return markReady(state, nodeId, `heartbeat-ready:${nodeId}`);
}

export type ReportVerdict = { ok: true } | { ok: false; reason: string };

/** Whether `nodeId` may move the task to the reported state (reference §2, §6). */
export function checkReport(state: ClusterState, nodeId: string, r: TaskStatusReport): ReportVerdict {
  const t = state.tasks.get(r.taskId);
  if (!t) return { ok: false, reason: "task not found" };
  if (t.nodeId !== nodeId) return { ok: false, reason: "cannot update a task not assigned this node" };
  const to = taskStateRank(r.state);
  const from = taskStateRank(t.state);
  if (to === from) return { ok: false, reason: "unchanged" };
  if (to < from) return { ok: false, reason: `invalid transition from ${t.state} to ${r.state}` };
  return { ok: true };
}

/**
 * One event per task of a report batch: its furthest reported state (latestPerTask), when that
 * moves it forward from its current state. On the state that includes them it yields nothing.
 */
export function planTaskReports(state: ClusterState, nodeId: string, reports: readonly TaskStatusReport[]): PlannedEvent[] {
  const out: PlannedEvent[] = [];
  for (const r of latestPerTask(reports)) {
    if (!checkReport(state, nodeId, r).ok) continue;
    const data = {
      taskId: r.taskId, state: r.state, message: r.message, err: r.err,
      containerId: r.containerId, exitCode: r.exitCode, timestamp: r.timestamp, ...(r.ports ? { ports: r.ports } : {}),
    };
    const version = versionOf(state, subjects.event("task", r.taskId));
    out.push(plan("TaskStatusChanged", "task", r.taskId, data, version, `status:${r.taskId}:${r.state}`));
  }
  return out;
}

/**
 * One report per task: the furthest state the batch reached (swarmkit's dispatcher also writes
 * only the latest status of a batch), keeping the container id and ports an earlier report of the
 * same batch carried. One event per task per batch instead of one per step: the agent batches
 * every 100 ms, so a fast start (accepted … running) costs one append, not five.
 */
export function latestPerTask(reports: readonly TaskStatusReport[]): TaskStatusReport[] {
  const latest = new Map<string, TaskStatusReport>();
  for (const r of reports) {
    const prev = latest.get(r.taskId);
    if (prev && taskStateRank(r.state) < taskStateRank(prev.state)) continue;
    latest.set(r.taskId, {
      ...r,
      containerId: r.containerId ?? prev?.containerId,
      ...(r.ports ?? prev?.ports ? { ports: r.ports ?? prev?.ports } : {}),
    });
  }
  return [...latest.values()];
}

/** Reports that will never apply (wrong node, unknown task, backward or unchanged), with why. */
export function rejectedReports(state: ClusterState, nodeId: string, reports: readonly TaskStatusReport[]): { taskId: string; state: string; reason: string }[] {
  const out: { taskId: string; state: string; reason: string }[] = [];
  for (const r of reports) {
    const v = checkReport(state, nodeId, r);
    if (!v.ok) out.push({ taskId: r.taskId, state: r.state, reason: v.reason });
  }
  return out;
}
