import type { NodeRole } from "../../../schemas/index.js";
import { failedPrecondition, notFound, permissionDenied, type SwarmError } from "../../shared/errors/index.js";

/*
 * Whether a node's certificate renewal is signed (DESIGN §6), and for whom. Pure. The asker is the
 * node its rpc subject names: the bus lets a node's connection — admitted by its current, valid
 * certificate — publish only on its own subject. The new certificate's subject comes from the log
 * (the node's id and current role, the cluster's id and `--cert-expiry`), never from the request.
 */

export interface RenewalFacts {
  /** The node id of the rpc subject (who asks). */
  asker: string;
  /** The node id the request's body names. */
  nodeId: string;
  cluster?: { id: string; nodeCertExpiryMs?: number };
  /** The asker's node, when it is part of the cluster. */
  node?: { id: string; role: NodeRole };
}

export type RenewalDecision =
  | { ok: true; nodeId: string; role: NodeRole; clusterId: string; expiryMs?: number }
  | { ok: false; error: SwarmError };

export function decideRenewal(f: RenewalFacts): RenewalDecision {
  if (f.nodeId !== f.asker) return { ok: false, error: permissionDenied(`node ${f.asker} cannot renew the certificate of node ${f.nodeId}`) };
  if (!f.cluster) return { ok: false, error: failedPrecondition("no cluster: a certificate is signed only for a node of an initialised cluster") };
  if (!f.node || f.node.id !== f.asker) return { ok: false, error: notFound(`node ${f.asker} is not part of the cluster: no certificate`) };
  return {
    ok: true, nodeId: f.node.id, role: f.node.role, clusterId: f.cluster.id,
    ...(f.cluster.nodeCertExpiryMs === undefined ? {} : { expiryMs: f.cluster.nodeCertExpiryMs }),
  };
}
