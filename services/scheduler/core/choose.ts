import { matchConstraint } from "../../shared/model/index.js";
import { cmp, type NodeInfo, type TaskInfo } from "./node-info.js";

/*
 * Which eligible node gets the task (reference §4.4): soft constraints narrow the candidates when
 * they can, placement preferences walk the spread tree, then the strategy picks within the leaf.
 * One task at a time; the caller updates the node infos after each placement, so a batch spreads.
 */

/** Soft constraints (`==~`, `!=~`), in order: each narrows the candidates unless none would remain. */
export function applySoft(t: TaskInfo, candidates: readonly NodeInfo[]): readonly NodeInfo[] {
  if (!t.constraints.some((c) => c.soft)) return candidates;
  let out = [...candidates];
  for (const c of t.constraints) {
    if (!c.soft) continue;
    const kept = out.filter((n) => matchConstraint(c, n.node));
    if (kept.length > 0) out = kept;
  }
  return out;
}

/** The value a `spread=` descriptor gives a node; undefined = descriptor ignored (Swarm: labels only). */
export function spreadValue(descriptor: string, n: NodeInfo): string | undefined {
  const lower = descriptor.toLowerCase();
  if (lower.startsWith("node.labels.")) return n.node.labels[descriptor.slice("node.labels.".length)] ?? "";
  if (lower.startsWith("engine.labels.")) return n.node.description?.engineLabels[descriptor.slice("engine.labels.".length)] ?? "";
  return undefined;
}

/**
 * The spread tree, one level per preference: among the branches (label values) that still have a
 * candidate, the one holding the fewest of this service's tasks — counted over every node of the
 * branch, eligible or not — ties by value. Returns the candidates of the chosen leaf.
 */
export function spreadLeaf(t: TaskInfo, all: readonly NodeInfo[], candidates: readonly NodeInfo[]): readonly NodeInfo[] {
  if (!t.spec.Placement?.Preferences?.length) return candidates;
  let pool = [...all];
  let cands = [...candidates];
  for (const pref of t.spec.Placement?.Preferences ?? []) {
    const d = pref.Spread.SpreadDescriptor;
    if (spreadValue(d, cands[0]!) === undefined) continue;
    const tasks = new Map<string, number>();
    for (const n of pool) {
      const v = spreadValue(d, n)!;
      tasks.set(v, (tasks.get(v) ?? 0) + n.serviceCount(t.serviceId));
    }
    const values = [...new Set(cands.map((n) => spreadValue(d, n)!))];
    values.sort((a, b) => tasks.get(a)! - tasks.get(b)! || cmp(a, b));
    const chosen = values[0]!;
    pool = pool.filter((n) => spreadValue(d, n) === chosen);
    cands = cands.filter((n) => spreadValue(d, n) === chosen);
  }
  return cands;
}

/** The node already has the task's image (`name` means `name:latest`): it starts sooner. */
export function hasImage(n: NodeInfo, image: string): boolean {
  if (n.imageMemo?.image !== image) n.imageMemo = { image, has: listsImage(n, image) };
  return n.imageMemo.has;
}

function listsImage(n: NodeInfo, image: string): boolean {
  const images = n.node.description?.images ?? [];
  const tagged = /:[^/]*$/.test(image) || image.includes("@") ? image : `${image}:latest`;
  return images.includes(image) || images.includes(tagged);
}

function tieBreak(t: TaskInfo, a: NodeInfo, b: NodeInfo): number {
  const img = t.spec.ContainerSpec.Image;
  return Number(hasImage(b, img)) - Number(hasImage(a, img)) || cmp(a.node.id, b.node.id);
}

/** Swarm's `nodeLess`: fewer tasks of this service, then fewer in total; then image, then id. */
export function spreadLess(t: TaskInfo, a: NodeInfo, b: NodeInfo): number {
  return a.serviceCount(t.serviceId) - b.serviceCount(t.serviceId) || a.activeTotal - b.activeTotal || tieBreak(t, a, b);
}

/** Fraction of the node's CPU plus memory already reserved (0 for a resource it does not report). */
export function reservedShare(n: NodeInfo): number {
  const cpu = n.totalCpus > 0 ? n.reservedCpus / n.totalCpus : 0;
  const mem = n.totalMemory > 0 ? n.reservedMemory / n.totalMemory : 0;
  return cpu + mem;
}

/** Binpack: the most loaded node that fits first — by reserved resources, then by task count. */
export function binpackLess(t: TaskInfo, a: NodeInfo, b: NodeInfo): number {
  return reservedShare(b) - reservedShare(a) || b.activeTotal - a.activeTotal || tieBreak(t, a, b);
}

/** FNV-1a: a stable 32-bit hash, so `random` is a pure function of the task id. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The node the task goes to, or undefined when there is no candidate. */
export function chooseNode(t: TaskInfo, all: readonly NodeInfo[], eligible: readonly NodeInfo[]): NodeInfo | undefined {
  if (eligible.length === 0) return undefined;
  const leaf = spreadLeaf(t, all, applySoft(t, eligible));
  const strategy = t.spec.Placement?.Strategy ?? "spread";
  if (strategy === "random") {
    const sorted = [...leaf].sort((a, b) => cmp(a.node.id, b.node.id));
    return sorted[hash32(t.id) % sorted.length];
  }
  if (strategy === "binpack") return leaf.reduce((best, n) => (binpackLess(t, n, best) < 0 ? n : best));
  return spreadMin(t, leaf);
}

/** `leaf.reduce` by `spreadLess`, reading each node's service count once (the hot loop of a pass). */
function spreadMin(t: TaskInfo, leaf: readonly NodeInfo[]): NodeInfo {
  let best = leaf[0]!;
  let bestCount = best.serviceCount(t.serviceId);
  for (let i = 1; i < leaf.length; i++) {
    const n = leaf[i]!;
    const c = n.serviceCount(t.serviceId);
    if (c > bestCount) continue;
    if (c < bestCount || n.activeTotal < best.activeTotal || (n.activeTotal === best.activeTotal && tieBreak(t, n, best) < 0)) {
      best = n;
      bestCount = c;
    }
  }
  return best;
}

/** Whether `chooseNode` is the plain spread minimum over the eligible nodes (no soft constraint, no preference, spread). */
export function isPlainSpread(t: TaskInfo): boolean {
  const p = t.spec.Placement;
  return (p?.Strategy ?? "spread") === "spread" && !p?.Preferences?.length && !t.constraints.some((c) => c.soft);
}

/**
 * `spreadMin` for a run of tasks of one group, as a binary heap of its eligible nodes ordered by
 * `spreadLess`: a pass that places thousands of one service's tasks over a thousand nodes reads the
 * minimum and re-sifts the one node each placement raised, instead of scanning every node per
 * task. Valid while only the caller's placements (reported with `raised`) change these nodes.
 */
export class SpreadHeap {
  private readonly heap: NodeInfo[];
  private readonly at = new Map<NodeInfo, number>();

  constructor(readonly key: string, private readonly t: TaskInfo, readonly eligible: readonly NodeInfo[]) {
    this.heap = [...eligible];
    this.heap.forEach((n, i) => this.at.set(n, i));
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  min(): NodeInfo | undefined { return this.heap[0]; }

  /** Node `n` took a task (its counts only grew): move it down to its place. */
  raised(n: NodeInfo): void {
    const i = this.at.get(n);
    if (i !== undefined) this.down(i);
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && spreadLess(this.t, h[l]!, h[m]!) < 0) m = l;
      if (r < h.length && spreadLess(this.t, h[r]!, h[m]!) < 0) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      this.at.set(h[i]!, i);
      this.at.set(h[m]!, m);
      i = m;
    }
  }
}
