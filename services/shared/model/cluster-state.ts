import type { Envelope, SingularKind, StoredEvent } from "../../../schemas/index.js";
import { EVENT_KIND } from "../../../schemas/index.js";
import { type ApiTokenPart, apiTokenSlice } from "./apitoken.js";
import { isBatch, membersOf } from "./batch-members.js";
import { type ClusterPart, clusterSlice } from "./cluster.js";
import { type NetworkPart, networkSlice } from "./network.js";
import { type NodePart, nodeSlice } from "./node.js";
import { type ConfigPart, configSlice, type SecretPart, secretSlice } from "./secret.js";
import { type ServicePart, serviceSlice } from "./service.js";
import type { Slice } from "./slice.js";
import { type TaskPart, type TaskView, taskSlice } from "./task.js";

export type { ApiTokenView } from "./apitoken.js";
export type { ClusterView } from "./cluster.js";
export type { NetworkAllocationView, NetworkView } from "./network.js";
export type { NodeView } from "./node.js";
export { currentVersion, type ConfigView, type PayloadVersionView, type SecretView } from "./secret.js";
export type { EndpointView, ServiceView, UpdateStatusView } from "./service.js";
export { slotKey, type TaskView } from "./task.js";

/*
 * The cluster as folded from the log: the composition of one slice per aggregate (cluster, node,
 * service, task: ./<kind>.ts, each its views, evolve slice and codec slice), one shape shared by
 * every service's projection, so that "what the api shows" and "what the orchestrator decides on"
 * are the same fold of the same log. A service may fold fewer slices (`foldTable`); the others
 * then stay empty. `evolve` is lenient (replay never throws); entity objects are replaced, never
 * mutated, so a reader holding one sees a consistent value.
 */

export interface ClusterState extends ClusterPart, NodePart, ServicePart, TaskPart, SecretPart, ConfigPart, ApiTokenPart, NetworkPart {
  /** subject → its last sequence: the version an append must expect. */
  versions: Map<string, number>;
  /** Last sequence folded. */
  seq: number;
}

/** The slices, one per aggregate kind of a singular event: the compiler refuses a kind without one. */
export const SLICES = {
  cluster: clusterSlice, node: nodeSlice, service: serviceSlice, task: taskSlice, secret: secretSlice, config: configSlice, apitoken: apiTokenSlice,
  network: networkSlice,
} as const satisfies { [K in SingularKind]: Slice<K, object> };
export const SLICE_KINDS = Object.keys(SLICES) as SingularKind[];

type Apply = (state: ClusterState, e: Envelope, seq: number) => void;
/** Which slices a projection folds: kind → its slice's `apply`, or a no-op for a slice not folded. */
export type FoldTable = Readonly<Record<SingularKind, Apply>>;

const skip: Apply = () => undefined;
/** The fold table of `kinds` (default: every slice). */
export function foldTable(kinds: readonly SingularKind[] = SLICE_KINDS): FoldTable {
  const t = {} as Record<SingularKind, Apply>;
  for (const k of SLICE_KINDS) t[k] = kinds.includes(k) ? (SLICES[k].apply as Apply) : skip;
  return t;
}
const ALL = foldTable();

export function initialClusterState(): ClusterState {
  let s = { versions: new Map(), seq: 0 } as unknown as ClusterState;
  for (const k of SLICE_KINDS) s = Object.assign(s, SLICES[k].init());
  return s;
}

/** The version of an aggregate: what an append on its subject must expect (0 = new). */
export function versionOf(state: ClusterState, subject: string): number {
  return state.versions.get(subject) ?? 0;
}

export function tasksOfService(state: ClusterState, serviceId: string): TaskView[] {
  const ids = state.tasksByService.get(serviceId);
  if (!ids) return [];
  const out: TaskView[] = [];
  for (const id of ids) {
    const t = state.tasks.get(id);
    if (t) out.push(t);
  }
  return out;
}

/**
 * Folds one stored event. `members`: the event's singular events when the caller has already
 * expanded a batch (`membersOf`), so that it is expanded once. `table`: the slices folded.
 */
export function evolve(state: ClusterState, stored: StoredEvent, members?: readonly Envelope[], table: FoldTable = ALL): ClusterState {
  const { seq, event } = stored;
  if (seq <= state.seq) return state;
  state.seq = seq;
  state.versions.set(event.subject, seq);
  applySlices(state, stored, members, table);
  return state;
}

/**
 * The slices' part of `evolve` alone: no sequence check, no version. For rebuilding slices a
 * snapshot could not restore, up to the snapshot's sequence (the informer).
 */
export function applySlices(state: ClusterState, stored: StoredEvent, members: readonly Envelope[] | undefined, table: FoldTable): void {
  const { seq, event } = stored;
  // A batch is its members, in order; only the batch's own subject gets this version.
  if (isBatch(event)) for (const m of members ?? membersOf(event)) table[EVENT_KIND[m.type] as SingularKind](state, m, seq);
  else table[EVENT_KIND[event.type] as SingularKind](state, event, seq);
}
