import type { Node, Service, Task } from "../../schemas/api.js";
import { desiredReplicas } from "../../schemas/specs.js";
import type { TaskState } from "../../schemas/primitives.js";

/*
 * The service progress display (docker/cli `service/progress`), as pure functions of what the api
 * returned: one frame per poll, a frame being ordered `{id, text}` lines rendered `id: text`.
 */

export interface ProgressLine { id: string; text: string }
export interface Frame { lines: ProgressLine[]; converged: boolean }

/** Bar positions of the states before and at running (docker's numberedStates); others are 0. */
const NUMBERED: Partial<Record<TaskState, number>> = {
  new: 1, allocated: 2, pending: 3, assigned: 4, accepted: 5, preparing: 6, ready: 7, starting: 8, running: 9,
};
const MAX_PROGRESS = 9;
const MAX_BARS = 20;
const LONGEST_STATE = "preparing".length;

/** `[=====>     ]`: 50 cells, `=` up to the position, then `>`. */
export function progressBar(current: number, total: number): string {
  const filled = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  return `[${"=".repeat(filled)}>${" ".repeat(50 - filled)}]`;
}

/** Newlines flattened, at most 75 characters (docker's truncError). */
export function truncError(err: string): string {
  const flat = err.replace(/\n/g, " ");
  return flat.length > 75 ? flat.slice(0, 74) + "…" : flat;
}

/** `running   [====…>]`, or the task's error instead of the bar; blank once the task has ended. */
export function taskProgress(t: Pick<Task, "Status">): string {
  if (t.Status.Err) return truncError(t.Status.Err);
  const n = NUMBERED[t.Status.State];
  if (!n) return "";
  return `${t.Status.State.padEnd(LONGEST_STATE)} ${progressBar(n, MAX_PROGRESS)}`;
}

export function render(line: ProgressLine): string {
  return line.text ? `${line.id}: ${line.text}` : `${line.id}:`;
}

/** Nodes whose tasks count: all but those known to be down. */
export function activeNodeIds(nodes: Node[]): Set<string> {
  return new Set(nodes.filter((n) => n.Status.State !== "down").map((n) => n.ID));
}

/** Per slot, the task that matters: lowest desired state, then lowest observed (docker's tasksBySlot). */
export function tasksBySlot(tasks: Task[], active?: Set<string>): Map<number, Task> {
  const out = new Map<number, Task>();
  for (const t of [...tasks].sort((a, b) => a.Slot - b.Slot || a.CreatedAt.localeCompare(b.CreatedAt))) {
    const d = NUMBERED[t.DesiredState] ?? 0;
    const s = NUMBERED[t.Status.State] ?? 0;
    if (d === 0 || s === 0) continue;
    const prev = out.get(t.Slot);
    if (prev) {
      const pd = NUMBERED[prev.DesiredState] ?? 0;
      if (pd < d) continue;
      if (pd === d && (NUMBERED[prev.Status.State] ?? 0) <= s) continue;
    }
    if (t.NodeID && active && !active.has(t.NodeID)) continue;
    out.set(t.Slot, t);
  }
  return out;
}

/**
 * Replicated services: `overall progress: R out of N tasks` and, when N ≤ 20, one line per slot
 * `i/N: …`. Slot numbers are mapped to display lines in order of first appearance, across polls.
 */
export class ReplicatedProgress {
  private readonly slotMap = new Map<number, number>();

  frame(service: Service, tasks: Task[], active?: Set<string>): Frame {
    const replicas = desiredReplicas(service.Spec) ?? 0;
    const bySlot = tasksBySlot(tasks, active);
    const slotLines: string[] = Array.from({ length: replicas }, () => "");
    let running = 0;
    for (const [slot, t] of [...bySlot.entries()].sort((a, b) => a[0] - b[0])) {
      let mapped = this.slotMap.get(slot);
      if (mapped === undefined) this.slotMap.set(slot, (mapped = this.slotMap.size + 1));
      if (t.Status.State === "running") running++;
      if (replicas <= MAX_BARS && mapped <= replicas) slotLines[mapped - 1] = taskProgress(t);
    }
    const lines: ProgressLine[] = [{ id: "overall progress", text: `${running} out of ${replicas} tasks` }];
    if (replicas <= MAX_BARS) slotLines.forEach((text, i) => lines.push({ id: `${i + 1}/${replicas}`, text }));
    return { lines, converged: running === replicas };
  }
}

/** Global services: one line per node (12-character id), converged when every live task runs. */
export function globalFrame(tasks: Task[], active?: Set<string>): Frame {
  const live = tasks.filter((t) => t.DesiredState === "running" && t.NodeID && (!active || active.has(t.NodeID)));
  if (live.length === 0) return { lines: [{ id: "overall progress", text: "waiting for new tasks" }], converged: false };
  const running = live.filter((t) => t.Status.State === "running").length;
  const lines: ProgressLine[] = [{ id: "overall progress", text: `${running} out of ${live.length} tasks` }];
  if (live.length <= MAX_BARS) {
    for (const t of [...live].sort((a, b) => (a.NodeID ?? "").localeCompare(b.NodeID ?? ""))) {
      lines.push({ id: (t.NodeID ?? "").slice(0, 12), text: taskProgress(t) });
    }
  }
  return { lines, converged: running === live.length };
}

/** `Waiting 5 seconds to verify that tasks are stable...` for the time left of the monitor period. */
export function verifyText(remainingMs: number): string {
  return `Waiting ${Math.max(1, Math.ceil(remainingMs / 1000))} seconds to verify that tasks are stable...`;
}
