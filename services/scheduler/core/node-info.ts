import type { ClusterState, NodeView, TaskView } from "../../shared/model/index.js";
import { taskStateRank, type PortConfig, type TaskSpec } from "../../../schemas/index.js";
import { parseConstraints, type Constraint } from "../../shared/model/index.js";

/*
 * What the filters and the node choice know about each node (swarmkit `nodeinfo.go`): the tasks
 * on it, what they reserve and which host ports they hold, updated as a pass places tasks.
 */

const ASSIGNED = taskStateRank("assigned");
const RUNNING = taskStateRank("running");

/** Holds resources and host ports on its node: observed assigned..running. */
export function holdsNode(t: TaskView): boolean {
  const r = taskStateRank(t.state);
  return t.nodeId !== undefined && r >= ASSIGNED && r <= RUNNING;
}

/** Counts toward a node's load (spread, max replicas): holds the node and is meant to run. */
export function isActive(t: TaskView): boolean {
  return holdsNode(t) && taskStateRank(t.desiredState) <= RUNNING;
}

/** A task as the pipeline sees it, prepared once per pass. */
export interface TaskInfo {
  id: string;
  serviceId: string;
  spec: TaskSpec;
  constraints: Constraint[];
  /** `<protocol>/<port>` of every host-mode port with a fixed published port. */
  hostPorts: string[];
  nanoCpus: number;
  memoryBytes: number;
}

export function hostPortKeys(ports: readonly PortConfig[] | undefined): string[] {
  return (ports ?? [])
    .filter((p) => p.PublishMode === "host" && (p.PublishedPort ?? 0) > 0)
    .map((p) => `${p.Protocol ?? "tcp"}/${p.PublishedPort}`);
}

export function taskInfo(state: ClusterState, t: Pick<TaskView, "id" | "serviceId" | "spec">): TaskInfo {
  return { id: t.id, spec: t.spec, constraints: parseConstraints(t.spec.Placement?.Constraints), ...footprint(state, t) };
}

/** What a task takes from its node: all a NodeInfo counts. */
export type Footprint = Pick<TaskInfo, "serviceId" | "hostPorts" | "nanoCpus" | "memoryBytes">;

export function footprint(state: ClusterState, t: Pick<TaskView, "serviceId" | "spec">): Footprint {
  const r = t.spec.Resources?.Reservations;
  const ports = state.services.get(t.serviceId)?.spec.EndpointSpec?.Ports;
  return {
    serviceId: t.serviceId, hostPorts: ports ? hostPortKeys(ports) : [],
    nanoCpus: r?.NanoCPUs ?? 0, memoryBytes: r?.MemoryBytes ?? 0,
  };
}

export class NodeInfo {
  reservedCpus = 0;
  reservedMemory = 0;
  activeTotal = 0;
  readonly activePerService = new Map<string, number>();
  readonly hostPorts = new Set<string>();

  constructor(readonly node: NodeView) {}

  /** A task placed or found on this node. `active` = it counts toward load. */
  add(t: Footprint, active: boolean): void {
    this.reservedCpus += t.nanoCpus;
    this.reservedMemory += t.memoryBytes;
    for (const p of t.hostPorts) this.hostPorts.add(p);
    if (!active) return;
    this.activeTotal++;
    this.activePerService.set(t.serviceId, this.serviceCount(t.serviceId) + 1);
    this.lastService = undefined;
  }

  serviceCount(serviceId: string): number {
    // A pass asks every node about one service many times in a row: remember the last answer.
    if (serviceId === this.lastService) return this.lastCount;
    this.lastService = serviceId;
    return (this.lastCount = this.activePerService.get(serviceId) ?? 0);
  }

  private lastService?: string;
  private lastCount = 0;

  /** Memo of the last `hasImage` answer (the node's description does not change within a pass). */
  imageMemo?: { image: string; has: boolean };

  get totalCpus(): number { return this.node.description?.nanoCpus ?? 0; }
  get totalMemory(): number { return this.node.description?.memoryBytes ?? 0; }
}

/** Every node's info, sorted by node id (determinism), from the tasks that hold nodes. */
export function nodeInfos(state: ClusterState): NodeInfo[] {
  const byId = new Map<string, NodeInfo>();
  for (const n of [...state.nodes.values()].sort((a, b) => cmp(a.id, b.id))) byId.set(n.id, new NodeInfo(n));
  for (const t of state.tasks.values()) {
    if (!holdsNode(t)) continue;
    byId.get(t.nodeId!)?.add(footprint(state, t), isActive(t));
  }
  return [...byId.values()];
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
