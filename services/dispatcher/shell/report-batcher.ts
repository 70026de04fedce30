import type { TaskStatusReport } from "../../../schemas/index.js";
import { packStatuses } from "../../shared/model/index.js";
import { planTaskReports } from "../core/sessions.js";
import type { DispatcherContext } from "./context.js";

/** Node reports folded into one commit at most (each node's reports are one submission). */
const MAX_SUBMISSIONS = 1024;

interface Submission { nodeId: string; updates: readonly TaskStatusReport[]; done: (err?: unknown) => void }

/**
 * Turns many nodes' task reports into few appends: while one commit runs, the reports that arrive
 * wait, and the next commit decides on all of them together — one TaskStatusesChanged batch on
 * this instance's reports subject (expecting its last one) instead of one event per task. Each
 * member's actor is the node that reported it. A submission resolves once its events are in the
 * projection, so the status message behind it is acknowledged only then.
 */
export class ReportBatcher {
  private pending: Submission[] = [];
  private running?: Promise<void>;

  constructor(private readonly ctx: DispatcherContext) {}

  submit(nodeId: string, updates: readonly TaskStatusReport[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ nodeId, updates, done: (err) => (err ? reject(err) : resolve()) });
      this.running ??= this.drain().finally(() => { this.running = undefined; });
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_SUBMISSIONS);
      try {
        await this.commit(batch);
        for (const s of batch) s.done();
      } catch (err) {
        for (const s of batch) s.done(err);
      }
    }
  }

  /**
   * One decide-append round (the context's, acted by this instance) over every submission: each
   * task's event already takes it to the furthest state reported (latestPerTask), so a second
   * round would only re-check every report to find nothing (conflicts are retried within the round).
   */
  private async commit(batch: readonly Submission[]): Promise<void> {
    const reporter = new Map<string, string>();
    await this.ctx.commit((s) => {
      const planned = batch.flatMap((b) => {
        const p = planTaskReports(s, b.nodeId, b.updates);
        for (const e of p) reporter.set(e.aggregateId, b.nodeId);
        return p;
      });
      return packStatuses(s, planned, this.ctx.deps.instanceId, (taskId) => reporter.get(taskId)!);
    }, undefined, 1);
  }
}
