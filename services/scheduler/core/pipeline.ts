import type { Filter } from "./filters/filter.js";
import { readyFilter } from "./filters/ready.js";
import { resourcesFilter } from "./filters/resources.js";
import { constraintFilter } from "./filters/constraints.js";
import { platformFilter } from "./filters/platform.js";
import { hostPortFilter } from "./filters/host-ports.js";
import { maxReplicasFilter } from "./filters/max-replicas.js";
import type { NodeInfo, TaskInfo } from "./node-info.js";

/*
 * Swarm's filter pipeline (reference §4.2, swarmkit `pipeline.go`), in its order. The first filter
 * a node fails stops its evaluation and is counted; the counts become the explanation.
 */

export const PIPELINE: readonly Filter[] = [
  readyFilter, resourcesFilter, constraintFilter, platformFilter, hostPortFilter, maxReplicasFilter,
];

export interface PipelineResult {
  eligible: NodeInfo[];
  /** Filters that rejected nodes, with how many, in pipeline order. */
  failures: { filter: Filter; count: number }[];
}

/** The first filter the node fails, or undefined when it passes them all. */
export function firstFailure(t: TaskInfo, n: NodeInfo, filters: readonly Filter[] = PIPELINE): Filter | undefined {
  return filters.find((f) => f.enabled(t) && !f.check(t, n));
}

export function runPipeline(t: TaskInfo, nodes: readonly NodeInfo[], filters: readonly Filter[] = PIPELINE): PipelineResult {
  const eligible: NodeInfo[] = [];
  const counts = new Map<Filter, number>();
  for (const n of nodes) {
    const f = firstFailure(t, n, filters);
    if (f) counts.set(f, (counts.get(f) ?? 0) + 1);
    else eligible.push(n);
  }
  const failures = filters.filter((f) => counts.has(f)).map((filter) => ({ filter, count: counts.get(filter)! }));
  return { eligible, failures };
}

/** Failing filters by count, most first (ties in pipeline order), joined with `; `. */
export function explain(failures: PipelineResult["failures"]): string {
  return [...failures].sort((a, b) => b.count - a.count).map((x) => x.filter.explain(x.count)).join("; ");
}

/** What a pending task shows when no node fits: `no suitable node (…)`, or bare when nothing failed. */
export function noSuitableNode(failures: PipelineResult["failures"]): string {
  const why = explain(failures);
  return why === "" ? "no suitable node" : `no suitable node (${why})`;
}
