import type { ClusterState, NodeView, TaskView } from "../../shared/model/index.js";
import { isTerminal, NS_PER_MS, RESTART_DEFAULTS, taskStateRank, type TaskSpec } from "../../../schemas/index.js";

/*
 * The restart supervisor's rules (reference §3.3), as pure functions of the projection and `now`.
 */

/** A replacement waits at most this long after its delay for the old task to stop. */
export const STOP_WAIT_MS = 60_000;

export interface Policy {
  condition: "none" | "on-failure" | "any";
  delayMs: number;
  /** 0 = unlimited. */
  maxAttempts: number;
  /** 0 = count every restart of the slot at this spec version. */
  windowMs: number;
}

/** The task template's restart policy with Swarm's defaults filled in. */
export function restartPolicy(spec: TaskSpec): Policy {
  const p = spec.RestartPolicy ?? {};
  return {
    condition: p.Condition ?? RESTART_DEFAULTS.Condition,
    delayMs: Math.floor((p.Delay ?? RESTART_DEFAULTS.Delay) / NS_PER_MS),
    maxAttempts: p.MaxAttempts ?? RESTART_DEFAULTS.MaxAttempts,
    windowMs: Math.floor((p.Window ?? RESTART_DEFAULTS.Window) / NS_PER_MS),
  };
}

function nodeOf(state: ClusterState, t: TaskView): NodeView | undefined {
  return t.nodeId === undefined ? undefined : state.nodes.get(t.nodeId);
}

/** Assigned to a node that was deleted, is down, or is drained (Swarm's InvalidNode). */
export function onInvalidNode(state: ClusterState, t: TaskView): boolean {
  if (t.nodeId === undefined) return false;
  const n = nodeOf(state, t);
  return !n || n.state === "down" || n.availability === "drain";
}

/** Assigned to a node that was deleted or is down: the task cannot stop by itself being observed. */
export function onLostNode(state: ClusterState, t: TaskView): boolean {
  if (t.nodeId === undefined) return false;
  const n = nodeOf(state, t);
  return !n || n.state === "down";
}

export function onDrainedNode(state: ClusterState, t: TaskView): boolean {
  return nodeOf(state, t)?.availability === "drain";
}

/** A runnable task (desired ≤ running) that has ended, or whose node is lost or drained. */
export function needsRestart(state: ClusterState, t: TaskView): boolean {
  if (taskStateRank(t.desiredState) > taskStateRank("running")) return false;
  return isTerminal(t.state) || onInvalidNode(state, t);
}

/**
 * Whether the slot may get a replacement for `old`: the condition, then MaxAttempts counted over
 * the slot's replacements at the current spec version (within Window when one is set).
 */
export function restartAllowed(
  p: Policy, old: TaskView, slotTasks: readonly TaskView[], specVersion: number, now: Date,
): boolean {
  if (p.condition === "none") return false;
  if (p.condition === "on-failure" && old.state === "complete") return false;
  if (p.maxAttempts === 0) return true;
  const since = p.windowMs > 0 ? now.getTime() - p.windowMs : -Infinity;
  // A restart replaces a task of the same spec version; the task an update put in a slot does not count.
  const sameVersion = new Set(slotTasks.filter((t) => t.specVersion === specVersion).map((t) => t.id));
  const restarts = slotTasks.filter((t) =>
    t.replaces !== undefined && sameVersion.has(t.id) && sameVersion.has(t.replaces) && Date.parse(t.createdAt) >= since).length;
  return restarts < p.maxAttempts;
}

/**
 * Consecutive failures of a slot back off: Delay × 2^(n−1), at most BACKOFF_CAP_MS (or Delay when
 * that is longer), as Kubernetes' CrashLoopBackOff does; Swarm has only the fixed Delay. Delay 0
 * keeps Swarm's immediate restarts (the event budget still bounds them).
 */
export const BACKOFF_CAP_MS = 5 * 60_000;
/** A task that ran this long before it ended resets its slot's back-off. */
export const BACKOFF_RESET_MS = 10_000;

/** Reached running and stayed there BACKOFF_RESET_MS or more before it ended. */
function ranLong(t: TaskView): boolean {
  if (t.runningAt === undefined) return false;
  const end = isTerminal(t.state) ? Date.parse(t.statusAt) : Infinity;
  return end - Date.parse(t.runningAt) >= BACKOFF_RESET_MS;
}

/**
 * How many times in a row the slot's task failed without running a while, `old` (just ended)
 * included. Read from `old` itself, not the slot's history (the reaper trims that): a replacement
 * held for Delay × 2^(k−1) was created after k failures. A task an update created, or one that ran
 * long, starts the count afresh.
 */
export function consecutiveFailures(old: TaskView, p: Policy): number {
  if (ranLong(old) || old.restartAt === undefined || p.delayMs === 0) return 1;
  // createdAt is the append's time, a little after the pass that chose restartAt: round, never compare exactly.
  const held = Date.parse(old.restartAt) - Date.parse(old.createdAt);
  if (held < p.delayMs / 2) return 1;
  return Math.max(0, Math.round(Math.log2(held / p.delayMs))) + 2;
}

/** The delay before the replacement after `failures` consecutive failures. */
export function backoffMs(p: Policy, failures: number): number {
  if (p.delayMs === 0) return 0;
  const cap = Math.max(p.delayMs, BACKOFF_CAP_MS);
  return Math.min(cap, p.delayMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
}

/**
 * Whether `old` may be replaced now: a held replacement that failed before its own restart time
 * (an image that cannot be pulled fails while preparing) is replaced only once that time has come,
 * else each fast failure would create the next task at once.
 */
export function restartDue(old: TaskView, now: Date): boolean {
  return old.restartAt === undefined || now.getTime() >= Date.parse(old.restartAt);
}

/**
 * When a replacement of `old` may be promoted (ISO); undefined = no delay. The delay is there to
 * stop a crashing task from flapping: a task that was still running on a node that went down (or
 * was removed or drained) did not fail, and is replaced at once (issue #18: 13 s → the heartbeat
 * window).
 */
export function restartAtFor(state: ClusterState, p: Policy, old: TaskView, now: Date): string | undefined {
  const delay = backoffMs(p, consecutiveFailures(old, p));
  if (delay === 0 || onDrainedNode(state, old) || (onLostNode(state, old) && !isTerminal(old.state))) return undefined;
  // A restart requested while the old task was itself still in its delay waits for that delay.
  const base = Math.max(now.getTime(), old.restartAt ? Date.parse(old.restartAt) : 0);
  return new Date(base + delay).toISOString();
}

/** The earliest time a held replacement (desired ready) may be promoted to running. */
export function promotableAt(t: TaskView): number {
  return t.restartAt ? Date.parse(t.restartAt) : Date.parse(t.createdAt);
}

/** Shut down before it ever reached a node: it will never run. */
function neverRuns(t: TaskView): boolean {
  return taskStateRank(t.desiredState) > taskStateRank("running") && taskStateRank(t.state) < taskStateRank("assigned");
}

/**
 * A held replacement is promoted once its delay has passed and the task it replaces has ended, is
 * gone, or lost its node — or, failing that, STOP_WAIT_MS after the delay.
 */
export function mayPromote(state: ClusterState, t: TaskView, now: Date): boolean {
  const at = promotableAt(t);
  if (now.getTime() < at) return false;
  const old = t.replaces === undefined ? undefined : state.tasks.get(t.replaces);
  if (!old || isTerminal(old.state) || onLostNode(state, old) || neverRuns(old)) return true;
  return now.getTime() >= at + STOP_WAIT_MS;
}
