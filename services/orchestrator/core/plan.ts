import type { ClusterState, ServiceView, TaskView } from "../../shared/model/index.js";
import { tasksOfService } from "../../shared/model/index.js";
import type { PlannedEvent } from "../../shared/model/index.js";
import { desiredReplicas, isTerminal, jobMode, SPEC_LIMITS, taskStateRank, type SpecLimits } from "../../../schemas/index.js";
import { Draft, type IdFor } from "./draft.js";
import { planGlobal } from "./global.js";
import { replicatedJob } from "./jobs.js";
import { mayPromote, needsRestart, promotableAt, restartAllowed, restartAtFor, restartDue, restartPolicy, STOP_WAIT_MS, type Policy } from "./restart.js";
import { holdService, overBudget, overLimit } from "./limits.js";
import { historyLimit, reap } from "./reaper.js";
import { freeSlots, groupBySlot, scaleDownOrder } from "./slots.js";
import { runUpdater, updaterReplaces, type KeptSlot } from "./updater.js";

/*
 * The replicated orchestrator's decision for one service: pure, level-triggered, recomputed from
 * the whole projection on every pass — slots and scale, the restart supervisor, the rolling
 * updater (updater.ts) and the reaper.
 */

const RUNNING = taskStateRank("running");
const REMOVE = taskStateRank("remove");
const runnable = (t: TaskView, d: Draft) => taskStateRank(d.desiredOf(t)) <= RUNNING;

/** A slot this pass works on; `restart` = the ended task to replace if the slot is kept. */
type WorkSlot = KeptSlot;

/** The events that move `serviceId`'s tasks towards its spec at `now`; a spec over `limits` is held (limits.ts). */
export function plan(state: ClusterState, serviceId: string, now: Date, idFor: IdFor, limits: SpecLimits = SPEC_LIMITS): PlannedEvent[] {
  const svc = state.services.get(serviceId);
  const tasks = tasksOfService(state, serviceId);
  const d = new Draft(state, now, idFor);
  if (!svc || svc.removed) {
    for (const t of tasks) d.raise(t, "remove");
    reap(d, tasks, -1);
    return d.events();
  }
  const job = jobMode(svc.spec);
  if (job?.kind === "replicated-job") {
    const refused = overLimit(svc, limits) ?? overBudget(svc, tasks, d.now, limits, d.state.tasks);
    if (refused !== undefined) holdService(d, svc, refused);
    else replicatedJob(d, svc, tasks, job);
    return d.events();
  }
  const replicas = desiredReplicas(svc.spec);
  if (replicas === undefined) return planGlobal(state, svc, tasks, now, idFor);
  replicated(d, svc, tasks, replicas, limits);
  return d.events();
}

/** One pass over a replicated service; returns the updater's next wake-up (ms), if any. */
function replicated(d: Draft, svc: ServiceView, tasks: readonly TaskView[], replicas: number, limits: SpecLimits): number | undefined {
  const refused = overLimit(svc, limits) ?? overBudget(svc, tasks, d.now, limits, d.state.tasks);
  if (refused !== undefined) {
    holdService(d, svc, refused);
    return undefined;
  }
  const policy = restartPolicy(svc.spec.TaskTemplate);
  const slots = inspectSlots(d, svc, policy, tasks);
  const kept = scale(d, svc, slots, replicas);
  const wakeAt = runUpdater(d, svc, kept, tasks);
  for (const t of tasks) {
    if (d.desiredOf(t) !== "ready") continue;
    // A held replacement is only ever created together with its old task's shutdown (restart,
    // stop-first update); when a pass was cut short between the two appends, finish it here —
    // else a node back from down would keep the old task and promote the replacement as well.
    const old = t.replaces === undefined ? undefined : d.state.tasks.get(t.replaces);
    if (old && old.serviceId === svc.id && runnable(old, d)) d.raise(old, "shutdown");
    if (mayPromote(d.state, t, d.now)) d.raise(t, "running");
  }
  reap(d, tasks, historyLimit(d.state, policy.maxAttempts));
  return wakeAt;
}

/**
 * Shuts down runnable tasks that ended or lost their node (restart supervisor, first half), and
 * works out which slots are held and by what.
 */
function inspectSlots(d: Draft, svc: ServiceView, policy: Policy, tasks: readonly TaskView[]): WorkSlot[] {
  const out: WorkSlot[] = [];
  for (const [slot, slotTasks] of groupBySlot(tasks)) {
    for (const t of slotTasks) if (needsRestart(d.state, t)) d.raise(t, "shutdown");
    const live = slotTasks.filter((t) => runnable(t, d));
    if (live.length > 0) {
      out.push({ slot, tasks: slotTasks, holders: live });
      continue;
    }
    const newest = slotTasks[slotTasks.length - 1]!;
    if (taskStateRank(d.desiredOf(newest)) >= REMOVE) continue; // removed: the slot is free
    // Ended and not removed: replaced when the policy allows, else it keeps its slot (Swarm).
    const allowed = restartAllowed(policy, newest, slotTasks, svc.specVersion, d.now) && restartDue(newest, d.now);
    const restart = allowed ? newest : undefined;
    out.push({ slot, tasks: slotTasks, holders: [newest], restart });
  }
  return out;
}

/** Keeps `replicas` slots: removes the surplus in Swarm's order, fills the lowest free numbers. */
function scale(d: Draft, svc: ServiceView, slots: WorkSlot[], replicas: number): WorkSlot[] {
  const ordered = slots.length > replicas ? scaleDownOrder(slots) as WorkSlot[] : slots;
  ordered.forEach((s, i) => {
    if (i >= replicas) {
      for (const t of s.holders) d.raise(t, "remove");
      return;
    }
    if (s.restart && updaterReplaces(svc, s.restart)) ordered[i] = { ...s, restart: undefined, byUpdater: true };
    else if (s.restart) replace(d, svc, s);
  });
  const used = new Set(slots.map((s) => s.slot));
  for (const slot of freeSlots(used, replicas - slots.length)) {
    d.create({ serviceId: svc.id, spec: svc.spec, specVersion: svc.specVersion, slot, desiredState: "running" });
  }
  return ordered.slice(0, replicas);
}

/** Restart supervisor, second half: a held replacement in the same slot. */
function replace(d: Draft, svc: ServiceView, s: WorkSlot): void {
  const old = s.restart!;
  const restartAt = restartAtFor(d.state, restartPolicy(svc.spec.TaskTemplate), old, d.now);
  d.create({
    serviceId: svc.id, spec: svc.spec, specVersion: svc.specVersion, slot: s.slot,
    desiredState: "ready", restartAt, replaces: old.id,
  });
}

/**
 * When `serviceId` next needs a pass even if nothing happens: a held replacement's promotion, the
 * end of an update delay or of the last slot's monitor window.
 */
export function nextWakeup(state: ClusterState, serviceId: string, now: Date, limits: SpecLimits = SPEC_LIMITS): Date | undefined {
  let next = Infinity;
  const svc = state.services.get(serviceId);
  const replicas = svc && !svc.removed ? desiredReplicas(svc.spec) : undefined;
  if (svc && replicas !== undefined) {
    const at = replicated(new Draft(state, now, (seed) => seed), svc, tasksOfService(state, serviceId), replicas, limits);
    if (at !== undefined && at > now.getTime()) next = at;
  }
  for (const t of tasksOfService(state, serviceId)) {
    // An ended task still in its restart delay gets its replacement when the delay is over.
    if (t.restartAt !== undefined && isTerminal(t.state) && now.getTime() < Date.parse(t.restartAt)) next = Math.min(next, Date.parse(t.restartAt));
    if (t.desiredState !== "ready") continue;
    const at = promotableAt(t);
    if (now.getTime() < at) next = Math.min(next, at);
    else if (!mayPromote(state, t, now)) next = Math.min(next, at + STOP_WAIT_MS);
  }
  return Number.isFinite(next) ? new Date(next) : undefined;
}
