import type { TaskView } from "../../shared/pure.js";

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

/** Tasks grouped by slot number (slot 0, a global task's, is ignored), slots ascending. */
export function groupBySlot(tasks: readonly TaskView[]): Map<number, TaskView[]> {
  const bySlot = new Map<number, TaskView[]>();
  for (const t of [...tasks].sort((a, b) => a.slot - b.slot || byAge(a, b))) {
    if (t.slot < 1) continue;
    let list = bySlot.get(t.slot);
    if (!list) bySlot.set(t.slot, (list = []));
    list.push(t);
  }
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
