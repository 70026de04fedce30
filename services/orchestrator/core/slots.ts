import type { TaskView } from "../../shared/model/index.js";

/** A replicated slot as one pass sees it. */
export interface Slot {
  slot: number;
  /** Every task of the slot, oldest first. */
  tasks: TaskView[];
  /**
   * The tasks that hold the slot: runnable ones (desired ≤ running), or else its newest task
   * when that one ended and is not restarted. Empty = the slot is free.
   */
  holders: TaskView[];
}

/** Older first: by creation time, then a replacement after the task it replaces, then by id. */
export function byAge(a: TaskView, b: TaskView): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.replaces === b.id) return 1;
  if (b.replaces === a.id) return -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const grouped = new WeakMap<readonly TaskView[], Map<number, TaskView[]>>();

/**
 * Tasks grouped by slot number (slot 0, a global task's, is ignored), slots ascending, each slot's
 * tasks by age. Memoised per array: one pass groups the same task list several times. Callers
 * must not mutate the result.
 */
export function groupBySlot(tasks: readonly TaskView[]): Map<number, TaskView[]> {
  const known = grouped.get(tasks);
  if (known) return known;
  const unsorted = new Map<number, TaskView[]>();
  for (const t of tasks) {
    if (t.slot < 1) continue;
    const list = unsorted.get(t.slot);
    if (list) list.push(t);
    else unsorted.set(t.slot, [t]);
  }
  const bySlot = new Map<number, TaskView[]>();
  for (const slot of [...unsorted.keys()].sort((a, b) => a - b)) {
    const list = unsorted.get(slot)!;
    if (list.length > 1) list.sort(byAge);
    bySlot.set(slot, list);
  }
  grouped.set(tasks, bySlot);
  return bySlot;
}

/** The lowest `count` slot numbers ≥ 1 that are not in `used`. */
export function freeSlots(used: ReadonlySet<number>, count: number): number[] {
  const out: number[] = [];
  for (let s = 1; out.length < count; s++) if (!used.has(s)) out.push(s);
  return out;
}

/**
 * Swarm's scale-down order (reference §3.1): slots whose task is observed running first (ties:
 * lower slot number), then by "nth copy of this service on its node" ascending; slots with more
 * than one holder or no node go last. The first `replicas` are kept.
 */
export function scaleDownOrder(slots: readonly Slot[]): Slot[] {
  const running = (s: Slot) => s.holders.some((t) => t.state === "running");
  const first = [...slots].sort((a, b) => Number(running(b)) - Number(running(a)) || a.slot - b.slot);
  const perNode = new Map<string, number>();
  const indexed = first.map((s) => {
    const node = s.holders.length === 1 ? s.holders[0]!.nodeId : undefined;
    if (node === undefined) return { s, index: Infinity };
    const index = (perNode.get(node) ?? 0) + 1;
    perNode.set(node, index);
    return { s, index };
  });
  // Array.prototype.sort is stable: equal indexes keep the running-first order.
  indexed.sort((a, b) => (a.index === b.index ? 0 : a.index < b.index ? -1 : 1));
  return indexed.map((x) => x.s);
}
