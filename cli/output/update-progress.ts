import type { Node, Service, Task } from "../../schemas/api.js";
import type { ServiceSpec, TaskSpec } from "../../schemas/index.js";
import { desiredReplicas, UPDATE_DEFAULTS } from "../../schemas/specs.js";
import { jobFrame } from "./job-progress.js";
import { activeNodeIds, globalFrame, ReplicatedProgress, verifyText, type ProgressLine } from "./progress.js";

/*
 * The whole progress display of create/update/scale/rollback as a pure state machine (docker/cli
 * `service/progress` waitOnService): fed one poll at a time with the time as an argument, it
 * returns the lines to show and whether to stop (done, or an error such as a paused update).
 */

export interface Step {
  lines: ProgressLine[];
  done: boolean;
  /** Set when the wait ends in failure: `service update paused: …` (exit 1). */
  error?: string;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => [k, canonical(x)]));
  }
  return v;
}

/** Placement alone does not make a task dirty when its node still fits (reference §3.7): not compared. */
function comparable(spec: TaskSpec): string {
  const { Placement: _placement, ...rest } = spec;
  return JSON.stringify(canonical(rest));
}

/** Docker's `_up-to-date` filter: tasks running the service's current task spec. */
export function upToDate(service: Service, tasks: Task[]): Task[] {
  const want = comparable(service.Spec.TaskTemplate);
  return tasks.filter((t) => comparable(t.Spec) === want);
}

/** The monitor period the updater applies: the rollback config's during a rollback. */
export function monitorMs(spec: ServiceSpec, rollback: boolean): number {
  const c = rollback ? spec.RollbackConfig : spec.UpdateConfig;
  return (c?.Monitor ?? UPDATE_DEFAULTS.Monitor) / 1e6;
}

export class ProgressTracker {
  private readonly replicated = new ReplicatedProgress();
  private rollback = false;
  private convergedAt: number | undefined;
  private readonly shown = new Set<string>();

  /** `monitorOverrideMs` replaces the spec's monitor period (tests shorten it). */
  constructor(private readonly ref: string, private readonly monitorOverrideMs?: number) {}

  step(service: Service, tasks: Task[], nodes: Node[], nowMs: number): Step {
    const us = service.UpdateStatus;
    const lines: ProgressLine[] = [];
    switch (us?.State) {
      case "paused":
        return { lines, done: true, error: `service update paused: ${us.Message}` };
      case "rollback_paused":
        return { lines, done: true, error: `service rollback paused: ${us.Message}` };
      case "rollback_started":
        // Swarm prints the reason once; jetswarm keeps the line current with the updater's message.
        this.rollback = true;
        if (us.Message) lines.push({ id: "rollback", text: us.Message });
        break;
      case "rollback_completed":
        this.rollback = true;
        if (this.shown.has("rollback")) lines.push({ id: "rollback", text: us.Message });
        break;
      case "completed":
        if (this.shown.has("update")) lines.push({ id: "update", text: us.Message });
        break;
      case "updating":
        this.rollback = false;
        // Better than Swarm: say what the updater is waiting for.
        if (us.Message) lines.push({ id: "update", text: us.Message });
        break;
    }
    const current = upToDate(service, tasks);
    const job = jobFrame(service, current);
    if (job) return { lines: [...lines, ...job.lines], done: job.done };
    const active = activeNodeIds(nodes);
    const frame = desiredReplicas(service.Spec) === undefined ? globalFrame(current, active) : this.replicated.frame(service, current, active);
    const [overall, ...rest] = frame.lines;
    if (overall && this.rollback) overall.text = `rolling back update: ${overall.text}`;
    lines.forEach((l) => this.shown.add(l.id));
    lines.push(...(overall ? [overall] : []), ...rest);
    return this.verify(lines, frame.converged, service, nowMs);
  }

  private verify(lines: ProgressLine[], converged: boolean, service: Service, nowMs: number): Step {
    if (!converged) {
      if (this.convergedAt !== undefined) lines.push({ id: "verify", text: "Detected task failure" });
      this.convergedAt = undefined;
      return { lines, done: false };
    }
    this.convergedAt ??= nowMs;
    const left = (this.monitorOverrideMs ?? monitorMs(service.Spec, this.rollback)) - (nowMs - this.convergedAt);
    if (left > 0) {
      lines.push({ id: "verify", text: verifyText(left) });
      return { lines, done: false };
    }
    lines.push({ id: "verify", text: `Service ${this.ref} converged` });
    return { lines, done: true };
  }
}
