import type { Service, Task } from "../../schemas/api.js";
import { isTerminal } from "../../schemas/primitives.js";
import { jobMode } from "../../schemas/specs.js";
import type { ProgressLine } from "./progress.js";

/*
 * Waiting for a job (`service create`/`update` without -d): there is nothing to verify for a
 * while, as for a long-running service; the wait ends when no task of the current iteration is
 * still to run — every completion reached, or the failed ones out of retries.
 */

/** `current`: the tasks of the service's current spec. Undefined when the service is not a job. */
export function jobFrame(service: Service, current: Task[]): { lines: ProgressLine[]; done: boolean } | undefined {
  const job = jobMode(service.Spec);
  if (!job) return undefined;
  const completed = current.filter((t) => t.Status.State === "complete").length;
  const pending = current.filter((t) => !isTerminal(t.Status.State) && ["ready", "running"].includes(t.DesiredState)).length;
  const total = job.kind === "replicated-job" ? job.totalCompletions : new Set(current.map((t) => t.NodeID)).size;
  const lines: ProgressLine[] = [
    { id: "job progress", text: `${completed} out of ${total} complete` },
    { id: "active tasks", text: `${pending} out of ${pending} tasks` },
  ];
  // A replicated job is done at TotalCompletions, or when nothing is left to run and the
  // orchestrator has started at least one task (the wait would otherwise end before it begins).
  const done = completed >= total && total > 0 || (current.length > 0 && pending === 0);
  return { lines, done };
}
