import { X509Certificate } from "node:crypto";
import { JoinTokensRpc, SignNodeRpc, subjects } from "../../../schemas/index.js";
import { errorMessage, failedPrecondition, notFound, unavailable } from "../../shared/errors/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { plan, versionOf } from "../../shared/model/index.js";
import { chainPem, deriveJoinToken, caDigest, firstCert, signNodeCsr, type CertAndKey } from "../../shared/pki/index.js";
import { decideAndCommit } from "../../shared/reconcile/index.js";
import { serve } from "../../shared/rpc/index.js";
import { readCa } from "./ca-files.js";
import type { SecretStoreContext } from "./context.js";
import { SECRET_STORE_QUEUE } from "./payload-rpc.js";

/*
 * The cluster CA's key in use (DESIGN §6): the secret-store alone reads `<keysDir>/ca.key`. It
 * derives the join tokens (nothing stored: the log keeps their hashes) and signs a node's CSR with
 * the subject taken from its own projection — the node's id and role, the cluster's id — never
 * from the request. A renewal is recorded (`NodeCertificateIssued`: which root, until when): a CA
 * rotation completes when every node holds a certificate of the new root.
 */

/** How long a signing request waits for this instance's projection to reach the node's `NodeJoined`. Default 10 s. */
const SIGN_WAIT_MS = 10_000;
const DAY_MS = 24 * 3600_000;

export type CaContext = Pick<SecretStoreContext, "nc" | "log" | "informer" | "deps" | "vault">;

/**
 * The root the log names as the cluster's (the join tokens' digest): the signing one, or — while a
 * rotation runs — the old one, whose key the rotation kept in the vault.
 */
export async function tokenCa(ctx: CaContext, keysDir: string | undefined): Promise<CertAndKey> {
  const ca = readCa(keysDir);
  const cluster = ctx.informer.state.cluster;
  if (!cluster?.caDigest || !cluster.caCert || cluster.caDigest === ca.digest) return ca.signing;
  const keyPem = await ctx.vault.getCaKey(cluster.caDigest);
  if (!keyPem) throw unavailable(`the key of the cluster's root CA ${cluster.caDigest.slice(0, 12)}… is not in the secret store`);
  return { certPem: firstCert(cluster.caCert), keyPem };
}

/**
 * Signs a node's CSR with the root that signs now, presented with the cross-signed intermediate
 * while a rotation runs (a peer that still trusts only the old root accepts it), and records it.
 */
export async function signForNode(ctx: CaContext, keysDir: string | undefined, nodeId: string, csr: string, record = true): Promise<{ cert: string; caBundle: string; caDigest: string; role: "worker" | "manager" }> {
  const ca = readCa(keysDir);
  const state = ctx.informer.state;
  const cluster = state.cluster;
  if (!cluster) throw failedPrecondition("no cluster: a certificate is signed only for a node of an initialised cluster");
  const node = state.nodes.get(nodeId);
  if (!node) throw notFound(`node ${nodeId} is not part of the cluster: no certificate`);
  const days = cluster.nodeCertExpiryMs === undefined ? undefined : cluster.nodeCertExpiryMs / DAY_MS;
  const leaf = await signNodeCsr({ ca: ca.signing, csrPem: csr, nodeId: node.id, role: node.role, clusterId: cluster.id, ...(days ? { days } : {}) });
  const cert = ca.cross ? chainPem(leaf, ca.cross) : leaf;
  ctx.log.info("node certificate signed", { nodeId: node.id, role: node.role, root: ca.digest.slice(0, 12) });
  if (record) await recordIssued(ctx, node.id, ca.digest, new Date(new X509Certificate(leaf).validTo));
  return { cert, caBundle: ca.bundle, caDigest: ca.digest, role: node.role };
}

async function recordIssued(ctx: CaContext, nodeId: string, digest: string, notAfter: Date): Promise<void> {
  const now = ctx.deps.now ?? (() => new Date());
  try {
    await decideAndCommit(ctx.deps.store, ctx.informer, (s) => [
      plan("NodeCertificateIssued", "node", nodeId, { nodeId, caDigest: digest, notAfter: notAfter.toISOString() },
        versionOf(s, subjects.event("node", nodeId)), `cert-issued:${nodeId}:${randomId()}`),
    ], () => ({ actor: { kind: "node", id: nodeId, via: ctx.deps.instanceId }, now: now() }));
  } catch (err) {
    // The certificate is valid whether or not this is recorded; the node asks again while a rotation waits for it.
    ctx.log.warn("certificate issuance not recorded", { nodeId, err: errorMessage(err) });
  }
}

export function serveCa(ctx: CaContext, keysDir: string | undefined): { stop(): Promise<void> } {
  try {
    readCa(keysDir);
  } catch (err) {
    // A manager without the CA key (one that joined: keys are not shared yet) leaves these requests
    // to the instances that have it, instead of answering them with an error.
    ctx.log.warn("not serving join tokens or node certificates: no cluster CA here", { why: (err as Error).message });
    return { stop: async () => {} };
  }
  const opts = { queue: SECRET_STORE_QUEUE, log: ctx.log };
  const tokens = serve(ctx.nc, subjects.secretStoreJoinTokens, JoinTokensRpc, async (req) => {
    const ca = await tokenCa(ctx, keysDir);
    return {
      caCert: ca.certPem, caDigest: caDigest(ca.certPem),
      worker: deriveJoinToken(ca, "worker", req.worker), manager: deriveJoinToken(ca, "manager", req.manager),
    };
  }, opts);
  const sign = serve(ctx.nc, subjects.secretStoreSignNode, SignNodeRpc, async (req) => {
    await ctx.informer.waitFor(req.seq, SIGN_WAIT_MS);
    // Not recorded at a join (the join's own events say it); a rotation asks every node it waits for to renew.
    const signed = await signForNode(ctx, keysDir, req.nodeId, req.csr, false);
    return { cert: signed.cert, caCert: signed.caBundle, role: signed.role };
  }, opts);
  return { stop: async () => { await tokens.stop(); await sign.stop(); } };
}
