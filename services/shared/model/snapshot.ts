import { z } from "zod";
import {
  NodeAvailability, NodeDescription, NodeRole, NodeState, PortConfig, ServiceSpec, TaskSpec, TaskState, UpdateState,
} from "../../../schemas/index.js";
import type { ClusterState, ClusterView as ClusterViewT, NodeView as NodeViewT, ServiceView as ServiceViewT, TaskView as TaskViewT } from "./cluster-state.js";

/*
 * A projection snapshot: the fold of the log up to `seq`, as plain JSON (Maps and Sets become
 * arrays of entries, in iteration order, so a restored Map iterates as the folded one did). A
 * snapshot is only a cache: whatever fails to parse, or was written in another format or by
 * another fold, is ignored and the log is replayed from the start. Pure: no I/O here.
 */

/** The serialization format. Bump when `SnapshotState`'s shape changes. */
export const SNAPSHOT_FORMAT = 1;

/*
 * The views are loose objects: the fields below are checked, and a field added to a view that this
 * codec does not know yet is carried through unchanged rather than dropped (the round-trip unit test
 * folds every event type, so a dropped field shows there).
 */
const ClusterView = z.looseObject({
  id: z.string(), workerToken: z.string(), managerToken: z.string(), heartbeatPeriodMs: z.number(),
  taskHistoryLimit: z.number(), controlPlane: z.record(z.string(), z.number().int()).optional(),
  createdAt: z.string(), updatedAt: z.string(),
});
const NodeView = z.looseObject({
  id: z.string(), name: z.string(), role: NodeRole, availability: NodeAvailability,
  labels: z.record(z.string(), z.string()), description: NodeDescription.optional(), addr: z.string().optional(),
  state: NodeState, message: z.string(), createdAt: z.string(), updatedAt: z.string(),
});
const UpdateStatusView = z.looseObject({
  state: UpdateState, message: z.string(), startedAt: z.string().optional(), completedAt: z.string().optional(),
});
const ServiceView = z.looseObject({
  id: z.string(), spec: ServiceSpec, previousSpec: ServiceSpec.optional(), updateStatus: UpdateStatusView.optional(),
  specVersion: z.number().int(), createdAt: z.string(), updatedAt: z.string(), removed: z.boolean(),
});
const TaskView = z.looseObject({
  id: z.string(), serviceId: z.string(), serviceName: z.string(), slot: z.number().int(), nodeId: z.string().optional(),
  spec: TaskSpec, specVersion: z.number().int(), desiredState: TaskState, state: TaskState, message: z.string(),
  err: z.string().optional(), containerId: z.string().optional(), exitCode: z.number().int().optional(),
  ports: z.array(PortConfig).optional(), statusAt: z.string(), createdAt: z.string(), updatedAt: z.string(),
  restartAt: z.string().optional(), replaces: z.string().optional(), runningAt: z.string().optional(),
});

const Seq = z.number().int().nonnegative();

/** ClusterState with Maps and Sets as entry arrays. */
export const SnapshotState = z.object({
  cluster: ClusterView.optional(),
  nodes: z.array(NodeView),
  services: z.array(ServiceView),
  tasks: z.array(TaskView),
  tasksByService: z.array(z.tuple([z.string(), z.array(z.string())])),
  createdPerSlot: z.array(z.tuple([z.string(), z.number().int()])),
  versions: z.array(z.tuple([z.string(), Seq])),
  seq: Seq,
});
/** What is written: the fold's own view types, Maps and Sets as entry arrays. */
export interface SnapshotState {
  cluster?: ClusterViewT;
  nodes: NodeViewT[];
  services: ServiceViewT[];
  tasks: TaskViewT[];
  tasksByService: [string, string[]][];
  createdPerSlot: [string, number][];
  versions: [string, number][];
  seq: number;
}

/** What identifies a snapshot and tells whether it may be used (kept apart from the bulky state). */
export const SnapshotMeta = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  /** The projection's name, e.g. `cluster`. */
  projection: z.string().min(1),
  /** Fingerprint of the fold that produced it: a snapshot of another fold is ignored. */
  fold: z.string().min(1),
  /** Last sequence folded into it: replay resumes at `seq + 1`. */
  seq: Seq,
  /** Id of the event at `seq`: a snapshot of another log (the stream was re-created) is ignored. */
  lastEventId: z.string(),
  /** The instance that wrote it, and when (its clock). */
  writer: z.string().min(1),
  at: z.string(),
});
export type SnapshotMeta = z.infer<typeof SnapshotMeta>;

/** The state as plain data. Synchronous, so it is one consistent cut at `state.seq`. */
export function toSnapshotState(s: ClusterState): SnapshotState {
  return {
    ...(s.cluster ? { cluster: s.cluster } : {}),
    nodes: [...s.nodes.values()],
    services: [...s.services.values()],
    tasks: [...s.tasks.values()],
    tasksByService: [...s.tasksByService].map(([k, ids]) => [k, [...ids]]),
    createdPerSlot: [...s.createdPerSlot],
    versions: [...s.versions],
    seq: s.seq,
  };
}

/** Back to the fold's shape (Maps keyed by id in the order they were written). */
export function fromSnapshotState(d: SnapshotState): ClusterState {
  return {
    ...(d.cluster ? { cluster: d.cluster } : {}),
    nodes: new Map(d.nodes.map((n) => [n.id, n])),
    services: new Map(d.services.map((v) => [v.id, v])),
    tasks: new Map(d.tasks.map((t) => [t.id, t])),
    tasksByService: new Map(d.tasksByService.map(([k, ids]) => [k, new Set(ids)])),
    createdPerSlot: new Map(d.createdPerSlot),
    versions: new Map(d.versions),
    seq: d.seq,
  };
}

/** Parses a decoded snapshot body; undefined (never a throw) when it is not a usable state. */
export function parseSnapshotState(json: unknown): ClusterState | undefined {
  const r = SnapshotState.safeParse(json);
  // Parsed views are the fold's views plus any field this codec does not know (loose objects).
  return r.success ? fromSnapshotState(r.data as SnapshotState) : undefined;
}
