import type { NodeInfo, TaskInfo } from "../node-info.js";

/**
 * One stage of Swarm's pipeline (reference §4.2, swarmkit `filter.go`): enabled for some tasks,
 * passes or fails a node, and explains a failure count in Swarm's words.
 */
export interface Filter {
  readonly name: string;
  enabled(t: TaskInfo): boolean;
  check(t: TaskInfo, n: NodeInfo): boolean;
  explain(nodes: number): string;
}

/** `1 node` / `N nodes`. */
export function nodes(n: number): string {
  return `${n} node${n === 1 ? "" : "s"}`;
}
