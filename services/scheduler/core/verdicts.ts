import type { Filter } from "./filters/filter.js";
import type { NodeInfo, TaskInfo } from "./node-info.js";
import { firstFailure, PIPELINE, type PipelineResult } from "./pipeline.js";

/*
 * The pipeline's verdicts within one pass, per group of identical tasks (same service, same
 * TaskSpec — the filters never look at the task id). Each group runs the pipeline over every node
 * once; after that only the nodes a placement changed are checked again. Exact: a node's verdict
 * is a function of the task info and that node's info, and a placement changes one node's info.
 * This turns a pass from O(pending tasks × nodes) filter runs into O(groups × nodes + placements
 * × groups used).
 */

interface Group {
  info: TaskInfo;
  /** Each node's first failing filter; undefined = eligible. */
  verdict: Map<NodeInfo, Filter | undefined>;
  counts: Map<Filter, number>;
  /** Eligible nodes in `infos` order; recomputed when a node enters or leaves. */
  eligible?: NodeInfo[];
  /** How many entries of the change log this group has applied. */
  applied: number;
}

export class PassVerdicts {
  private readonly groups = new Map<string, Group>();
  private readonly changes: NodeInfo[] = [];

  constructor(private readonly infos: readonly NodeInfo[], private readonly filters: readonly Filter[] = PIPELINE) {}

  /** The group key of a task: equal keys ⇒ equal verdicts on every node. */
  static keyOf(serviceId: string, spec: unknown): string {
    return `${serviceId}\u0000${JSON.stringify(spec)}`;
  }

  /** The task info shared by the group `key` (built once with `make`). */
  info(key: string, make: () => TaskInfo): TaskInfo {
    return this.group(key, make).info;
  }

  /** A placement changed node `n` (its reservations, ports or load). */
  changed(n: NodeInfo): void {
    this.changes.push(n);
  }

  /** Equal to `runPipeline(info, infos)` for the group `key` on the current node infos. */
  result(key: string, make: () => TaskInfo): PipelineResult {
    const g = this.group(key, make);
    for (; g.applied < this.changes.length; g.applied++) this.recheck(g, this.changes[g.applied]!);
    g.eligible ??= this.infos.filter((n) => g.verdict.get(n) === undefined);
    const failures = this.filters.filter((f) => (g.counts.get(f) ?? 0) > 0).map((filter) => ({ filter, count: g.counts.get(filter)! }));
    return { eligible: g.eligible, failures };
  }

  private group(key: string, make: () => TaskInfo): Group {
    let g = this.groups.get(key);
    if (g) return g;
    const info = make();
    g = { info, verdict: new Map(), counts: new Map(), applied: this.changes.length };
    for (const n of this.infos) {
      const f = firstFailure(info, n, this.filters);
      g.verdict.set(n, f);
      if (f) g.counts.set(f, (g.counts.get(f) ?? 0) + 1);
    }
    this.groups.set(key, g);
    return g;
  }

  private recheck(g: Group, n: NodeInfo): void {
    if (!g.verdict.has(n)) return;
    const before = g.verdict.get(n);
    const after = firstFailure(g.info, n, this.filters);
    if (before === after) return;
    g.verdict.set(n, after);
    if (before) g.counts.set(before, g.counts.get(before)! - 1);
    if (after) g.counts.set(after, (g.counts.get(after) ?? 0) + 1);
    if ((before === undefined) !== (after === undefined)) g.eligible = undefined;
  }
}
