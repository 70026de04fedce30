import type { ContainerSummary } from "./executor.js";
import { LABELS } from "./container-config.js";
import type { TaskRecord } from "./task-machine.js";

export interface AdoptionPlan {
  /** taskId → the one container that task keeps. */
  adopt: Map<string, ContainerSummary>;
  /** Containers of unknown or removed tasks, and duplicates: stop and remove. */
  discard: ContainerSummary[];
}

/**
 * After the full desired set is known: each known task keeps at most one of this node's
 * containers (a running one first, else the newest); everything else goes. A task that already
 * has a container in the record keeps that one. A tombstoned task adopts its container too, so
 * the state machine stops it (reporting shutdown) before removing it.
 */
export function planAdoption(records: ReadonlyMap<string, TaskRecord>, containers: readonly ContainerSummary[]): AdoptionPlan {
  const byTask = new Map<string, ContainerSummary[]>();
  const discard: ContainerSummary[] = [];
  for (const c of containers) {
    const taskId = c.labels[LABELS.taskId];
    const rec = taskId === undefined ? undefined : records.get(taskId);
    if (!taskId || !rec) {
      discard.push(c);
      continue;
    }
    byTask.set(taskId, [...(byTask.get(taskId) ?? []), c]);
  }
  const adopt = new Map<string, ContainerSummary>();
  for (const [taskId, list] of byTask) {
    const own = records.get(taskId)?.containerId;
    const keep = list.find((c) => c.id === own) ?? [...list].sort(preference)[0]!;
    if (keep.id !== own) adopt.set(taskId, keep);
    discard.push(...list.filter((c) => c !== keep));
  }
  return { adopt, discard };
}

function preference(a: ContainerSummary, b: ContainerSummary): number {
  const running = Number(b.state === "running") - Number(a.state === "running");
  return running !== 0 ? running : b.created - a.created;
}
