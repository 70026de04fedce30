import { taskStateRank, type TaskStatusReport } from "../../../schemas/index.js";

/*
 * The agent's unsent status reports: one per task, the furthest state it reached (swarmkit's agent
 * `statusReporter` keeps one pending status per task the same way). A task that goes accepted …
 * running between two publishes costs one report, not five; the dispatcher records the latest
 * state of a batch anyway. What an earlier report carried and a later one does not (the container
 * id, the bound ports) is kept.
 */
export class PendingReports {
  private byTask = new Map<string, TaskStatusReport>();

  get size(): number { return this.byTask.size; }

  /** A new report: replaces the task's pending one unless that one is further along. */
  add(r: TaskStatusReport): void {
    merge(this.byTask, r);
  }

  /** Takes up to `max` reports, oldest task first. */
  take(max: number): TaskStatusReport[] {
    const out: TaskStatusReport[] = [];
    for (const [taskId, r] of this.byTask) {
      if (out.length >= max) break;
      out.push(r);
      this.byTask.delete(taskId);
    }
    return out;
  }

  /** Reports taken but not delivered: they go back in front, and what came since stays newer. */
  putBack(batch: readonly TaskStatusReport[]): void {
    const next = new Map<string, TaskStatusReport>();
    for (const r of batch) merge(next, r);
    for (const r of this.byTask.values()) merge(next, r);
    this.byTask = next;
  }
}

function merge(m: Map<string, TaskStatusReport>, r: TaskStatusReport): void {
  const prev = m.get(r.taskId);
  if (!prev) {
    m.set(r.taskId, r);
    return;
  }
  if (taskStateRank(prev.state) > taskStateRank(r.state)) return; // an older step: already passed
  const containerId = r.containerId ?? prev.containerId;
  const ports = r.ports ?? prev.ports;
  m.set(r.taskId, { ...r, ...(containerId !== undefined ? { containerId } : {}), ...(ports ? { ports } : {}) });
}
