import type { ServiceView, TaskView } from "../../shared/model/index.js";
import { taskStateRank, type JobMode, type TaskSpec } from "../../../schemas/index.js";
import type { Draft } from "./draft.js";
import { mayPromote, needsRestart, restartAllowed, restartAtFor, restartDue, restartPolicy, type Policy } from "./restart.js";
import { historyLimit, reap } from "./reaper.js";
import { freeSlots, groupBySlot } from "./slots.js";

/*
 * The replicated-job orchestrator (swarmkit's manager/orchestrator/jobs): tasks run to completion.
 * An iteration of the job is a spec version — every service update (`--force` included) starts a
 * new one, as Swarm's JobIteration does; tasks of an earlier iteration are shut down if still
 * runnable and never count. A slot is complete once its newest task completed (never restarted,
 * whatever the condition); a failed one is restarted per the restart policy (jobs default to
 * `on-failure`), else it keeps its slot as failed. At most MaxConcurrent slots are active (a live
 * task or a restart pending); new slots start until TotalCompletions slots exist. Pure.
 */

const RUNNING = taskStateRank("running");
const REMOVE = taskStateRank("remove");

/** The restart policy of a job: Swarm's default condition for jobs is `on-failure`. */
export function jobPolicy(spec: TaskSpec): Policy {
  const p = restartPolicy(spec);
  return spec.RestartPolicy?.Condition === undefined ? { ...p, condition: "on-failure" } : p;
}

type SlotFate = "active" | "done" | "free";

/** One pass over a replicated job. */
export function replicatedJob(d: Draft, svc: ServiceView, tasks: readonly TaskView[], job: JobMode): void {
  const policy = jobPolicy(svc.spec.TaskTemplate);
  const current = tasks.filter((t) => t.specVersion === svc.specVersion);
  for (const t of tasks) {
    if (t.specVersion !== svc.specVersion && taskStateRank(d.desiredOf(t)) <= RUNNING) d.raise(t, "shutdown");
  }
  const used = new Set<number>();
  let active = 0;
  for (const [slot, slotTasks] of groupBySlot(current)) {
    const fate = slotFate(d, svc, policy, slot, slotTasks);
    if (fate !== "free") used.add(slot);
    if (fate === "active") active++;
  }
  const room = Math.min(job.maxConcurrent - active, job.totalCompletions - used.size);
  for (const slot of freeSlots(used, Math.max(0, room))) {
    d.create({ serviceId: svc.id, spec: svc.spec, specVersion: svc.specVersion, slot, desiredState: "running" });
  }
  for (const t of current) if (d.desiredOf(t) === "ready" && mayPromote(d.state, t, d.now)) d.raise(t, "running");
  reap(d, tasks, historyLimit(d.state, policy.maxAttempts));
}

/** Shuts down ended tasks of the slot, restarts a failed one when allowed; says what the slot is. */
function slotFate(d: Draft, svc: ServiceView, policy: Policy, slot: number, slotTasks: readonly TaskView[]): SlotFate {
  for (const t of slotTasks) if (needsRestart(d.state, t)) d.raise(t, "shutdown");
  if (slotTasks.some((t) => taskStateRank(d.desiredOf(t)) <= RUNNING)) return "active";
  const newest = slotTasks[slotTasks.length - 1]!;
  if (taskStateRank(d.desiredOf(newest)) >= REMOVE) return "free";
  if (newest.state === "complete" || !restartAllowed(policy, newest, slotTasks, svc.specVersion, d.now)) return "done";
  // A failure still in its own restart delay stays active: its replacement comes when the time has come.
  if (!restartDue(newest, d.now)) return "active";
  const restartAt = restartAtFor(d.state, policy, newest, d.now);
  d.create({ serviceId: svc.id, spec: svc.spec, specVersion: svc.specVersion, slot, desiredState: "ready", restartAt, replaces: newest.id });
  return "active";
}
