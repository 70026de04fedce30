import { z } from "zod";
import type { SingularKind } from "../../../schemas/index.js";
import type { ClusterState } from "./cluster-state.js";
import { initialClusterState, SLICE_KINDS, SLICES } from "./cluster-state.js";
import type { ClusterView } from "./cluster.js";
import type { NodeView } from "./node.js";
import type { ServiceView } from "./service.js";
import type { TaskView } from "./task.js";

/*
 * A projection snapshot: the fold of the log up to `seq`, as plain JSON (Maps and Sets become
 * arrays of entries, in iteration order, so a restored Map iterates as the folded one did). Each
 * slice (./cluster-state.ts) owns its keys of the snapshot and has its own fingerprint in the
 * manifest: a slice written by another fold (or not written) is left out on load and rebuilt by
 * replay, the others are used. A snapshot is only a cache: whatever fails to parse is ignored and
 * the log is replayed from the start. Pure: no I/O here.
 */

/** The serialization format. Bump when the root's shape changes (2: per-slice fingerprints). */
export const SNAPSHOT_FORMAT = 2;

const Seq = z.number().int().nonnegative();
/** What is not a slice's: the subjects' versions and the sequence. */
const Root = z.object({ versions: z.array(z.tuple([z.string(), Seq])), seq: Seq });

/** What is written: the fold's own view types, Maps and Sets as entry arrays (a slice not folded: absent). */
export interface SnapshotState {
  cluster?: ClusterView;
  nodes: NodeView[];
  services: ServiceView[];
  tasks: TaskView[];
  tasksByService: [string, string[]][];
  createdPerSlot: [string, number][];
  versions: [string, number][];
  seq: number;
}

/** What identifies a snapshot and tells whether (which slices of) it may be used (kept apart from the bulky state). */
export const SnapshotMeta = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  /** The projection's name, e.g. `cluster`. */
  projection: z.string().min(1),
  /** Fingerprint of each slice's fold that produced it, by aggregate kind: a slice of another fold is rebuilt. */
  slices: z.record(z.string(), z.string().min(1)),
  /** Last sequence folded into it: replay resumes at `seq + 1`. */
  seq: Seq,
  /** Id of the event at `seq`: a snapshot of another log (the stream was re-created) is ignored. */
  lastEventId: z.string(),
  /** The instance that wrote it, and when (its clock). */
  writer: z.string().min(1),
  at: z.string(),
});
export type SnapshotMeta = z.infer<typeof SnapshotMeta>;

/** The state as plain data, the slices in `kinds` (default all). Synchronous, so it is one consistent cut at `state.seq`. */
export function toSnapshotState(s: ClusterState, kinds: readonly SingularKind[] = SLICE_KINDS): SnapshotState {
  let out: Record<string, unknown> = {};
  for (const k of kinds) out = Object.assign(out, SLICES[k].encode(s as never));
  out.versions = [...s.versions];
  out.seq = s.seq;
  return out as unknown as SnapshotState;
}

/** Back to the fold's shape: the slices in `kinds` from the data, the others empty. */
export function fromSnapshotState(d: SnapshotState, kinds: readonly SingularKind[] = SLICE_KINDS): ClusterState {
  const s = initialClusterState();
  for (const k of kinds) Object.assign(s, SLICES[k].decode(d as unknown as Record<string, unknown>));
  s.versions = new Map(d.versions);
  s.seq = d.seq;
  return s;
}

/**
 * Parses a decoded snapshot body, the slices in `kinds` (default all; the others start empty);
 * undefined (never a throw) when the root or one of those slices is not usable.
 */
export function parseSnapshotState(json: unknown, kinds: readonly SingularKind[] = SLICE_KINDS): ClusterState | undefined {
  if (!Root.safeParse(json).success) return undefined;
  for (const k of kinds) if (!SLICES[k].codec.safeParse(json).success) return undefined;
  // Parsed views are the fold's views plus any field this codec does not know (loose objects).
  return fromSnapshotState(json as SnapshotState, kinds);
}
