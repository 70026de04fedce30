import type { ServiceView, TaskView } from "../../shared/model/index.js";
import { isTaskDirty, plan } from "../../shared/model/index.js";
import { isTerminal, subjects, taskStateRank, type UpdateState } from "../../../schemas/index.js";
import { versionOf } from "../../shared/model/index.js";
import type { Draft } from "./draft.js";
import { settleMs, updateSettings, type UpdateSettings } from "./update-rules.js";
import type { Slot } from "./slots.js";

/*
 * The rolling updater (reference §5.3), level-triggered: every pass works out from the projection
 * which slots are still dirty, which are in flight and which finished when, and hands out the
 * next slots. Nothing is remembered between passes, so a restarted orchestrator resumes exactly
 * where the log says the update is.
 */

const RUNNING = taskStateRank("running");
const ASSIGNED = taskStateRank("assigned");
const ms = (iso: string) => Date.parse(iso);

/** One kept slot as the updater sees it. */
interface Progress {
  slot: KeptSlot;
  /** Runnable tasks (desired ≤ running, after this pass's decisions) that are dirty. */
  dirty: TaskView[];
  /** The newest runnable clean task: the slot's update (or restart) task. */
  live?: TaskView;
  /** An ended, not restarted, dirty holder: the update rolls it too. */
  stale?: TaskView;
  /** The slot holds a task of the current spec that replaced another: this update touched it. */
  updated: boolean;
  /** When a task of the current spec in the slot first reached running (or ended), ms. */
  finishedAt?: number;
}

const todo = (p: Progress) => !p.live && (p.dirty.length > 0 || p.stale !== undefined);
const inFlight = (p: Progress) =>
  p.live !== undefined && taskStateRank(p.live.state) < RUNNING && (p.updated || p.dirty.length > 0);
const inDelay = (p: Progress, s: UpdateSettings, now: number) =>
  p.updated && p.finishedAt !== undefined && p.finishedAt + s.delayMs > now;
/** The restart supervisor replaces the slot's task this pass: its new task is not running yet. */
const restarting = (p: Progress) => p.slot.restart !== undefined;
/**
 * The restart supervisor replaces, this pass, a task that did not end by itself (its node was
 * lost): that slot's new task is not running yet, so it takes a place of the parallelism. A task
 * that failed is the failure policy's business (MaxFailureRatio) and, as in Swarm, its restart
 * does not hold the update back.
 */
const replacingLost = (p: Progress) => p.slot.restart !== undefined && !isTerminal(p.slot.restart.state);
/** Settled: no replacement pending, and its task (if it still has a runnable one) runs. */
const settled = (p: Progress) => !restarting(p) && (p.live === undefined || p.live.state === "running");

/**
 * Whether the updater, not the restart supervisor, replaces `ended` (a slot's task that ended or
 * lost its node): a dirty task while an update is (or is about to be) rolling forward, and any
 * task taken away with a lost node while one is. Such a slot is then updated within the update's
 * parallelism; restarting it at the new spec would update it outside that budget (after a bus
 * outage, a node wrongly marked down had every slot replaced at once). A task that failed by
 * itself is restarted as before (MaxFailureRatio judges it); paused or rolling back, restarts go
 * on as before.
 */
export function updaterReplaces(svc: ServiceView, ended: TaskView): boolean {
  const status = svc.updateStatus?.state;
  if (status === "paused" || status === "rollback_paused" || status === "rollback_started") return false;
  if (isTaskDirty(ended, svc)) return true;
  return status === "updating" && !isTerminal(ended.state);
}

/**
 * A slot the service keeps; `restart` = the ended task the restart supervisor replaces this pass;
 * `byUpdater` = its ended task is left for the updater to replace (`updaterReplaces`).
 */
export interface KeptSlot extends Slot { restart?: TaskView; byUpdater?: boolean }

function progressOf(d: Draft, svc: ServiceView, slot: KeptSlot, rollingBack: boolean): Progress {
  const runnable = slot.tasks.filter((t) => taskStateRank(d.desiredOf(t)) <= RUNNING);
  const dirty = runnable.filter((t) => isTaskDirty(t, svc));
  const live = runnable.filter((t) => !isTaskDirty(t, svc)).at(-1);
  const holder = slot.holders[0];
  // During a rollback, ended slots are ignored (reference §3.1).
  const rolls = (h: TaskView) => slot.byUpdater === true || isTaskDirty(h, svc);
  const stale = runnable.length === 0 && holder && !slot.restart && !rollingBack && rolls(holder) ? holder : undefined;
  return { slot, dirty, live, stale, updated: false };
}

/** Fills `updated` and `finishedAt` (only needed, and only paid for, while an update is active). */
function settle(p: Progress, svc: ServiceView): void {
  for (const t of p.slot.tasks) {
    if (t.specVersion !== svc.specVersion) continue;
    if (t.replaces !== undefined) p.updated = true;
    if (taskStateRank(t.state) < RUNNING) continue;
    const at = ms(t.runningAt ?? t.statusAt);
    p.finishedAt = p.finishedAt === undefined ? at : Math.min(p.finishedAt, at);
  }
}

/** Tasks of the current spec that ended without running, or within Monitor of running. */
export function failures(tasks: readonly TaskView[], svc: ServiceView, s: UpdateSettings): TaskView[] {
  return tasks.filter((t) => {
    if (t.specVersion !== svc.specVersion) return false;
    if (!["complete", "failed", "rejected"].includes(t.state)) return false;
    return t.runningAt === undefined || ms(t.statusAt) - ms(t.runningAt) <= s.monitorMs;
  }).sort((a, b) => (a.statusAt < b.statusAt ? -1 : a.statusAt > b.statusAt ? 1 : a.id < b.id ? -1 : 1));
}

/** `failure or early termination of task <id>: <why>` — Swarm's words, plus the task's own error. */
export function failureReason(t: TaskView): string {
  const why = t.err ?? (t.exitCode !== undefined ? `exit code ${t.exitCode}` : t.state);
  return `failure or early termination of task ${t.id}: ${why}`;
}

/**
 * Runs the updater for one service on the slots the service keeps. Returns when the service next
 * needs a pass for the updater's sake (a delay or a monitor window ending), in ms, if ever.
 */
export function runUpdater(d: Draft, svc: ServiceView, slots: readonly KeptSlot[], tasks: readonly TaskView[]): number | undefined {
  const status = svc.updateStatus?.state;
  if (status === "paused" || status === "rollback_paused") return undefined; // a new update or a rollback resumes
  const s = updateSettings(svc);
  const now = d.now.getTime();
  const progress = slots.map((slot) => progressOf(d, svc, slot, s.rollingBack));
  const waiting = progress.filter(todo);
  const active = status === "updating" || status === "rollback_started";
  if (!active && waiting.length === 0) return undefined;
  for (const p of progress) settle(p, svc);
  if (s.failureAction !== "continue" && tripped(d, svc, s, progress, tasks)) return undefined;
  for (const p of progress) finishSwap(d, p, s);
  const flying = progress.filter(inFlight);
  if (waiting.length === 0 && flying.length === 0) return complete(d, svc, s, progress, now);
  const busy = flying.length + progress.filter((p) => inDelay(p, s, now) || replacingLost(p)).length;
  const started = waiting.slice(0, Math.max(0, s.parallelism - busy));
  for (const p of started) startSlot(d, svc, p, s);
  if (!s.rollingBack) {
    const why = started.length > 0 ? undefined : waitReason(flying, waiting.length > 0, s);
    setStatus(d, svc, "updating", why ? `update in progress: ${why}` : "update in progress");
  }
  if (started.length === waiting.length) return undefined;
  const delays = progress.filter((p) => inDelay(p, s, now)).map((p) => p.finishedAt! + s.delayMs);
  return delays.length > 0 ? Math.min(...delays) : undefined;
}

/** Failures beyond MaxFailureRatio: pause, or roll back, with the failing task named. */
function tripped(d: Draft, svc: ServiceView, s: UpdateSettings, progress: Progress[], tasks: readonly TaskView[]): boolean {
  const failed = failures(tasks, svc, s);
  const slots = Math.max(1, progress.filter((p) => todo(p) || p.updated || p.dirty.length > 0).length);
  if (failed.length === 0 || failed.length / slots <= s.maxFailureRatio) return false;
  const reason = failureReason(failed.at(-1)!);
  if (s.rollingBack) setStatus(d, svc, "rollback_paused", `rollback paused due to ${reason}`);
  else if (s.failureAction === "rollback" && svc.previousSpec) {
    const message = `update rolled back due to ${reason}`;
    d.emit(plan("ServiceUpdateRolledBack", "service", svc.id, { serviceId: svc.id, message }, serviceVersion(d, svc), `rolled-back:${svc.specVersion}`));
  } else setStatus(d, svc, "paused", `update paused due to ${reason}`);
  return true;
}

/** A slot whose new task is in place: stop-first stops the old at once, start-first once the new runs. */
function finishSwap(d: Draft, p: Progress, s: UpdateSettings): void {
  if (!p.live || p.dirty.length === 0) return;
  if (s.order === "stop-first" || p.live.state === "running") for (const t of p.dirty) d.raise(t, "shutdown");
}

function startSlot(d: Draft, svc: ServiceView, p: Progress, s: UpdateSettings): void {
  const old = p.dirty.at(-1) ?? p.stale!;
  const base = { serviceId: svc.id, spec: svc.spec, specVersion: svc.specVersion, slot: p.slot.slot, replaces: old.id };
  if (p.dirty.length === 0 || s.order === "start-first") {
    d.create({ ...base, desiredState: "running" });
    return;
  }
  for (const t of p.dirty) d.raise(t, "shutdown");
  d.create({ ...base, desiredState: "ready" }); // promoted once the old task has ended
}

/**
 * Every slot done: completed once every slot's task runs (or ended for good) and the last one has
 * been watched for the monitor window. A slot being restarted is not done, whatever the updater
 * saw of it before: after an outage the restart supervisor may have replaced every task at once.
 */
function complete(d: Draft, svc: ServiceView, s: UpdateSettings, progress: Progress[], now: number): number | undefined {
  if (!svc.updateStatus || !progress.every(settled)) return undefined;
  const finished = progress.filter((p) => p.updated && p.finishedAt !== undefined).map((p) => Math.max(p.finishedAt!, liveSince(p)));
  const until = finished.length > 0 ? Math.max(...finished) + settleMs(s) : now;
  if (now < until) return until;
  if (s.rollingBack) setStatus(d, svc, "rollback_completed", "rollback completed");
  else setStatus(d, svc, "completed", "update completed");
  return undefined;
}

/** When the slot's runnable task reached running (0 = it has none): the monitor watches that one. */
function liveSince(p: Progress): number {
  const at = p.live?.runningAt;
  return at === undefined ? 0 : ms(at);
}

/** Why the update is not moving right now, in the user's words; undefined = it is. */
function waitReason(flying: Progress[], more: boolean, s: UpdateSettings): string | undefined {
  for (const p of flying) {
    const t = p.live!;
    if (t.err && taskStateRank(t.state) < ASSIGNED) return `waiting for task ${t.id} to be scheduled: ${t.err}`;
  }
  for (const p of flying) {
    const t = p.live!;
    if (t.state === "starting" && hasHealthcheck(t)) return `waiting for task ${t.id} to become healthy`;
  }
  if (flying.length === 0 && more && s.delayMs > 0) return `waiting ${s.delayMs / 1000}s (update delay) before updating the next task`;
  return undefined;
}

function hasHealthcheck(t: TaskView): boolean {
  const test = t.spec.ContainerSpec.Healthcheck?.Test;
  return test !== undefined && test.length > 0 && test[0] !== "NONE";
}

function serviceVersion(d: Draft, svc: ServiceView): number {
  return versionOf(d.state, subjects.event("service", svc.id));
}

/** Appends a status change only when state or message differ: waiting never floods the log. */
function setStatus(d: Draft, svc: ServiceView, state: UpdateState, message: string): void {
  const cur = svc.updateStatus;
  if (cur?.state === state && cur.message === message) return;
  const expect = serviceVersion(d, svc);
  d.emit(plan("ServiceUpdateStatusChanged", "service", svc.id, { serviceId: svc.id, state, message }, expect, `update-status:${state}`));
}
