import type { ClusterState } from "./cluster-state.js";

/*
 * How far a root CA rotation has come (swarmkit's RootRotation progress): a node has moved when
 * its last certificate was signed by the new root. Every node of the cluster counts — one that is
 * down holds the rotation until it comes back (or is removed), as in Swarm: completing without it
 * would leave it trusting a root that no longer signs anything it could verify.
 */

export interface CaRotationProgress {
  /** The new root's digest. */
  caDigest: string;
  total: number;
  moved: number;
  /** Nodes still on a certificate of the old root, by id, sorted. */
  pending: string[];
}

/** The progress of the rotation under way; undefined when none is. */
export function caRotationProgress(state: Pick<ClusterState, "cluster" | "nodes">): CaRotationProgress | undefined {
  const rotation = state.cluster?.caRotation;
  if (!rotation) return undefined;
  const pending = [...state.nodes.values()].filter((n) => n.certificate?.caDigest !== rotation.caDigest).map((n) => n.id).sort();
  return { caDigest: rotation.caDigest, total: state.nodes.size, moved: state.nodes.size - pending.length, pending };
}

/** The rotation under way may complete: every node has moved (a cluster of no node has nothing to wait for). */
export function caRotationDone(p: CaRotationProgress): boolean {
  return p.pending.length === 0;
}
