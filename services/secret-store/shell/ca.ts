import { JoinTokensRpc, SignNodeRpc, subjects } from "../../../schemas/index.js";
import { failedPrecondition, notFound, unavailable } from "../../shared/errors/index.js";
import { chainPem, deriveJoinToken, caDigest, firstCert, signNodeCsr, type CertAndKey } from "../../shared/pki/index.js";
import { serve } from "../../shared/rpc/index.js";
import { Keyring } from "./keyring.js";
import { readCa, type ClusterCa } from "./ca-files.js";
import { SECRET_STORE_QUEUE } from "./payload-rpc.js";
import { recordIssuance, serveRenewal, type NodeCertContext } from "./node-certs.js";
import type { Vault } from "./vault.js";

/*
 * The cluster CA's key in use (DESIGN §6): the secret-store alone reads `<keysDir>/ca.key`. It
 * derives the join tokens (nothing stored: the log keeps their hashes) and signs a joined node's
 * CSR with the subject taken from its own projection — the node's id and role, the cluster's id —
 * never from the request. While a root rotation runs (`ca-rotation.ts`) it signs with the new
 * root and hands the certificate out with the cross-signed intermediate after it.
 */

/** How long a signing request waits for this instance's projection to reach the node's `NodeJoined`. Default 10 s. */
const SIGN_WAIT_MS = 10_000;
const DAY_MS = 24 * 3600_000;

/**
 * What the CA's handlers need: the connection, a projection with the node and cluster slices, a
 * log, the service's deps (its event store: every issuance is recorded; without it — a test's
 * bare CA — none is), and the vault (a rotation keeps the roots' keys there; none: no rotation).
 */
export type CaContext = NodeCertContext & { vault?: Pick<Vault, "getCaKey" | "putCaKey"> };

/**
 * The root the log names as the cluster's (the join tokens' digest): the signing one, or — while a
 * rotation runs — the old one, whose key the rotation kept in the vault.
 */
export async function tokenCa(ctx: CaContext, keysDir: string | undefined, keyring: Keyring = new Keyring(keysDir)): Promise<CertAndKey> {
  const ca = readCa(keysDir, keyring);
  const cluster = ctx.informer.state.cluster;
  if (!cluster?.caDigest || !cluster.caCert || cluster.caDigest === ca.digest) return ca.signing;
  const keyPem = await ctx.vault?.getCaKey(cluster.caDigest);
  if (!keyPem) throw unavailable(`the key of the cluster's root CA ${cluster.caDigest.slice(0, 12)}… is not in the secret store`);
  return { certPem: firstCert(cluster.caCert), keyPem };
}

/** A certificate signed by the signing root, with the cross-signed intermediate after it while a rotation runs. */
export function presented(ca: ClusterCa, leaf: string): string {
  return ca.cross ? chainPem(leaf, ca.cross) : leaf;
}

export function serveCa(ctx: CaContext, keysDir: string | undefined, keyring: Keyring = new Keyring(keysDir)): { stop(): Promise<void> } {
  try {
    readCa(keysDir, keyring);
  } catch (err) {
    // A manager without the CA key (one that joined: keys are not shared yet) leaves these requests
    // to the instances that have it, instead of answering them with an error.
    ctx.log.warn("not serving join tokens or node certificates: no cluster CA here", { why: (err as Error).message });
    return { stop: async () => {} };
  }
  const opts = { queue: SECRET_STORE_QUEUE, log: ctx.log };
  const tokens = serve(ctx.nc, subjects.secretStoreJoinTokens, JoinTokensRpc, async (req) => {
    const ca = await tokenCa(ctx, keysDir, keyring);
    return {
      caCert: ca.certPem, caDigest: caDigest(ca.certPem),
      worker: deriveJoinToken(ca, "worker", req.worker), manager: deriveJoinToken(ca, "manager", req.manager),
    };
  }, opts);
  const sign = serve(ctx.nc, subjects.secretStoreSignNode, SignNodeRpc, async (req) => {
    const ca = readCa(keysDir, keyring);
    await ctx.informer.waitFor(req.seq, SIGN_WAIT_MS);
    const state = ctx.informer.state;
    const cluster = state.cluster;
    if (!cluster) throw failedPrecondition("no cluster: a certificate is signed only for a node of an initialised cluster");
    const node = state.nodes.get(req.nodeId);
    if (!node) throw notFound(`node ${req.nodeId} is not part of the cluster: no certificate`);
    const days = cluster.nodeCertExpiryMs === undefined ? undefined : cluster.nodeCertExpiryMs / DAY_MS;
    const cert = await signNodeCsr({ ca: ca.signing, csrPem: req.csr, nodeId: node.id, role: node.role, clusterId: cluster.id, ...(days ? { days } : {}) });
    await recordIssuance(ctx, { nodeId: node.id, role: node.role, reason: "join", certPem: cert, caPem: ca.signing.certPem });
    ctx.log.info("node certificate signed", { nodeId: node.id, role: node.role });
    return { cert: presented(ca, cert), caCert: ca.bundle, role: node.role };
  }, opts);
  const renew = serveRenewal(ctx, () => readCa(keysDir, keyring));
  return { stop: async () => { await tokens.stop(); await sign.stop(); await renew.stop(); } };
}
