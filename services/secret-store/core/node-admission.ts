import { nodePermissions, renewalPermissions, type BusPermissions } from "../../../schemas/bus-permissions.js";
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
  /**
   * The client asked for a renewal-only login (its connection name, `certRenewalConnectionName`):
   * a certificate of the node's former role is then admitted, to renew itself and nothing else.
   */
  renewalOnly?: boolean;
}

export interface ClusterFacts {
  clusterId?: string;
  /** The node the certificate names, when it is part of the cluster (absent once removed). */
  node?: { id: string; role: NodeRole };
  /** The OU of each role, as the CA writes it. */
  roleOu: Record<NodeRole, string>;
}

export type Admission =
  | { ok: true; nodeId: string; role: NodeRole; expiresAt: Date; permissions: BusPermissions; renewalOnly?: true }
  | { ok: false; reason: string };

/** A user granted by the callout lives at most this long; then the node's client reconnects and is asked about again. */
export const MAX_GRANT_MS = 3600_000;
/** A renewal-only login lives at most this long: long enough for one CSR and its answer. */
export const RENEWAL_GRANT_MS = 300_000;

export function admitNode(cert: CertFacts, cluster: ClusterFacts, now: Date): Admission {
  if (!cluster.clusterId) return { ok: false, reason: "the swarm is not initialised" };
  if (cert.o !== cluster.clusterId) return { ok: false, reason: `certificate of cluster ${cert.o || "?"}, not of this swarm` };
  const node = cluster.node;
  if (!node || node.id !== cert.commonName) return { ok: false, reason: `node ${cert.commonName} is not part of this swarm` };
  if (cert.notAfter.getTime() <= now.getTime()) return { ok: false, reason: `certificate of node ${node.id} expired at ${cert.notAfter.toISOString()}` };
  if (cert.renewalOnly) {
    const expiresAt = new Date(Math.min(cert.notAfter.getTime(), now.getTime() + RENEWAL_GRANT_MS));
    return { ok: true, nodeId: node.id, role: node.role, expiresAt, permissions: renewalPermissions(node.id), renewalOnly: true };
  }
  const ou = cluster.roleOu[node.role];
  if (cert.ou !== ou) return { ok: false, reason: `node ${node.id} is a ${node.role} now; its certificate says ${cert.ou || "?"}` };
  const expiresAt = new Date(Math.min(cert.notAfter.getTime(), now.getTime() + MAX_GRANT_MS));
  return { ok: true, nodeId: node.id, role: node.role, expiresAt, permissions: nodePermissions(node.id) };
}
