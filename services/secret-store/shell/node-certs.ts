import { RenewCertRpc, subjects, type NodeRole } from "../../../schemas/index.js";
import { plan, versionOf } from "../../shared/model/index.js";
import { caDigest, chainPem, describeCert, signNodeCsr } from "../../shared/pki/index.js";
import { decideAndCommit } from "../../shared/reconcile/index.js";
import { serve } from "../../shared/rpc/index.js";
import type { ServiceDeps } from "../../shared/runtime/index.js";
import { decideRenewal } from "../core/renewal.js";
import type { ClusterCa } from "./ca-files.js";
import type { SecretStoreContext } from "./context.js";
import { SECRET_STORE_QUEUE } from "./payload-rpc.js";

/*
 * Node certificates after the join (DESIGN §6): an agent renews its node's certificate on
 * `swarm.rpc.certs.renew.<nodeId>` with a fresh CSR, and every certificate the CA signs — at a join
 * or a renewal — is recorded on the node's aggregate (`NodeCertificateIssued`) before it is handed
 * out: the audit sees each issuance, `node inspect` the current one.
 */

const DAY_MS = 24 * 3600_000;

export type NodeCertContext = Pick<SecretStoreContext, "nc" | "log" | "informer"> & { deps?: ServiceDeps };

export interface Issuance { nodeId: string; role: NodeRole; reason: "join" | "renewal"; certPem: string; caPem: string }

/**
 * Appends `NodeCertificateIssued` (expecting the node's version, message id from the serial: a
 * retry is de-duplicated). Without an event store (a test's bare CA handlers) nothing is recorded.
 */
export async function recordIssuance(ctx: NodeCertContext, i: Issuance): Promise<void> {
  const deps = ctx.deps;
  if (!deps) return;
  const d = describeCert(i.certPem, i.caPem);
  const now = deps.now ?? (() => new Date());
  await decideAndCommit(deps.store, ctx.informer, (s) => [
    plan("NodeCertificateIssued", "node", i.nodeId, { nodeId: i.nodeId, reason: i.reason, role: i.role, ...d, caDigest: caDigest(i.caPem) },
      versionOf(s, subjects.event("node", i.nodeId)), `cert:${d.serial}`),
  ], () => ({ actor: { kind: "node", id: i.nodeId, via: deps.instanceId }, now: now() }));
}

/**
 * Signs a CSR for the node the subject names, with the subject the log gives it, by the signing
 * root (the new one while a root rotation runs: then with the cross-signed intermediate after it,
 * and the trust bundle of both roots as the node's CA).
 */
export function serveRenewal(ctx: NodeCertContext, loadCa: () => ClusterCa): { stop(): Promise<void> } {
  const prefix = subjects.certRenewOf("");
  return serve(ctx.nc, subjects.certRenewAll, RenewCertRpc, async (req, msg) => {
    const ca = loadCa();
    const state = ctx.informer.state;
    const asker = msg.subject.slice(prefix.length);
    const node = state.nodes.get(asker);
    const d = decideRenewal({
      asker, nodeId: req.nodeId, ...(state.cluster ? { cluster: state.cluster } : {}), ...(node ? { node: { id: node.id, role: node.role } } : {}),
    });
    if (!d.ok) {
      ctx.log.warn("certificate renewal refused", { asker, nodeId: req.nodeId, err: d.error.message });
      throw d.error;
    }
    const days = d.expiryMs === undefined ? undefined : d.expiryMs / DAY_MS;
    const cert = await signNodeCsr({ ca: ca.signing, csrPem: req.csr, nodeId: d.nodeId, role: d.role, clusterId: d.clusterId, ...(days ? { days } : {}) });
    await recordIssuance(ctx, { nodeId: d.nodeId, role: d.role, reason: "renewal", certPem: cert, caPem: ca.signing.certPem });
    ctx.log.info("node certificate renewed", { nodeId: d.nodeId, role: d.role, root: ca.digest.slice(0, 12) });
    return { cert: ca.cross ? chainPem(cert, ca.cross) : cert, caCert: ca.bundle, role: d.role };
  }, { queue: SECRET_STORE_QUEUE, log: ctx.log });
}
