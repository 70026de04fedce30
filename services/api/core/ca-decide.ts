import { subjects } from "../../../schemas/index.js";
import { failedPrecondition } from "../../shared/errors/index.js";
import { caRotationProgress, plan, versionOf, type ClusterState, type PlannedEvent } from "../../shared/model/index.js";
import { CLUSTER_AGGREGATE, requireCluster, type Fresh } from "./decide.js";

/* `swarm ca`: the root CA rotation's start (the api's) and the view of the root and the rotation. */

/** What the secret-store made: the new root and its cross-signed intermediate (no key). */
export interface NewRoot { caCert: string; caDigest: string; crossSigned: string }

/** Starts a rotation to `root`; refused while another runs (its nodes would be left between two roots). */
export function decideStartCaRotation(state: ClusterState, root: NewRoot, fresh: Pick<Fresh, "requestId">): PlannedEvent[] {
  const cluster = requireCluster(state);
  if (cluster.caRotation) throw failedPrecondition("a root CA rotation is already in progress: wait for it to complete");
  if (!cluster.caDigest) throw failedPrecondition("this cluster was initialised before it had a root CA: there is no root to rotate");
  const current = versionOf(state, subjects.event("cluster", CLUSTER_AGGREGATE));
  return [plan("ClusterCaRotationStarted", "cluster", CLUSTER_AGGREGATE, root, current, `ca-rotate:${fresh.requestId}`)];
}

/** `GET /jetswarm/ca/rotation`: the root in use and, while a rotation runs, its progress (Swarm's `RootRotationInProgress`). */
export interface CaView {
  CACert: string;
  CADigest: string;
  RootRotationInProgress: boolean;
  Rotation?: { CACert: string; CADigest: string; NodesMoved: number; NodesTotal: number; Pending: string[] };
}

export function caView(state: ClusterState): CaView {
  const cluster = requireCluster(state);
  const p = caRotationProgress(state);
  const rotation = cluster.caRotation;
  return {
    CACert: cluster.caCert ?? "", CADigest: cluster.caDigest ?? "", RootRotationInProgress: rotation !== undefined,
    ...(rotation && p ? { Rotation: { CACert: rotation.caCert, CADigest: rotation.caDigest, NodesMoved: p.moved, NodesTotal: p.total, Pending: p.pending } } : {}),
  };
}
