import { nodePermissions, type BusPermissions } from "../../../schemas/bus-permissions.js";
import type { NodeRole } from "../../../schemas/index.js";

/*
 * Whether a worker's connection to the bus is admitted (the auth callout, DESIGN §6), decided
 * from the facts of its verified certificate and the cluster as the log says it is now. Pure.
 */

/** What the verified client certificate says (its chain was checked against the cluster CA). */
export interface CertFacts {
  /** CN: the node id. */
  commonName: string;
  /** OU: the role the certificate was issued for (`swarm-worker` / `swarm-manager`). */
  ou: string;
  /** O: the cluster id. */
  o: string;
  notAfter: Date;
}

export interface ClusterFacts {
  clusterId?: string;
  /** The node the certificate names, when it is part of the cluster (absent once removed). */
  node?: { id: string; role: NodeRole };
  /** The OU of each role, as the CA writes it. */
  roleOu: Record<NodeRole, string>;
}

export type Admission =
  | { ok: true; nodeId: string; role: NodeRole; expiresAt: Date; permissions: BusPermissions }
  | { ok: false; reason: string };

/** A user granted by the callout lives at most this long; then the node's client reconnects and is asked about again. */
export const MAX_GRANT_MS = 3600_000;

export function admitNode(cert: CertFacts, cluster: ClusterFacts, now: Date): Admission {
  if (!cluster.clusterId) return { ok: false, reason: "the swarm is not initialised" };
  if (cert.o !== cluster.clusterId) return { ok: false, reason: `certificate of cluster ${cert.o || "?"}, not of this swarm` };
  const node = cluster.node;
  if (!node || node.id !== cert.commonName) return { ok: false, reason: `node ${cert.commonName} is not part of this swarm` };
  const ou = cluster.roleOu[node.role];
  if (cert.ou !== ou) return { ok: false, reason: `node ${node.id} is a ${node.role} now; its certificate says ${cert.ou || "?"}` };
  if (cert.notAfter.getTime() <= now.getTime()) return { ok: false, reason: `certificate of node ${node.id} expired at ${cert.notAfter.toISOString()}` };
  const expiresAt = new Date(Math.min(cert.notAfter.getTime(), now.getTime() + MAX_GRANT_MS));
  return { ok: true, nodeId: node.id, role: node.role, expiresAt, permissions: nodePermissions(node.id) };
}
