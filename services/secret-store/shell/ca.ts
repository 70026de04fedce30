import { readFileSync } from "node:fs";
import { join } from "node:path";
import { JoinTokensRpc, SignNodeRpc, subjects } from "../../../schemas/index.js";
import { failedPrecondition, notFound, unavailable } from "../../shared/errors/index.js";
import { deriveJoinToken, caDigest, signNodeCsr, type CertAndKey } from "../../shared/pki/index.js";
import { serve } from "../../shared/rpc/index.js";
import { Keyring } from "./keyring.js";
import { SECRET_STORE_QUEUE } from "./payload-rpc.js";
import { recordIssuance, serveRenewal, type NodeCertContext } from "./node-certs.js";

/*
 * The cluster CA's key in use (DESIGN §6): the secret-store alone reads `<keysDir>/ca.key`. It
 * derives the join tokens (nothing stored: the log keeps their hashes) and signs a joined node's
 * CSR with the subject taken from its own projection — the node's id and role, the cluster's id —
 * never from the request.
 */

/** How long a signing request waits for this instance's projection to reach the node's `NodeJoined`. Default 10 s. */
const SIGN_WAIT_MS = 10_000;
const DAY_MS = 24 * 3600_000;

/**
 * Reads the CA from `keysDir` once, when first needed (the launcher creates it before starting
 * anything); its key through the keyring (unwrapped when autolock is on).
 */
export function caLoader(keysDir: string | undefined, keyring = new Keyring(keysDir)): () => CertAndKey {
  let ca: CertAndKey | undefined;
  return () => {
    if (ca) return ca;
    if (!keysDir) throw unavailable("the secret-store has no keys directory (SWARM_KEYS_DIR): it cannot use the cluster CA");
    try {
      const key = keyring.read("ca.key");
      if (!key) throw new Error(`no ${join(keysDir, "ca.key")}`);
      ca = { certPem: readFileSync(join(keysDir, "ca.crt"), "utf8"), keyPem: key.toString("utf8") };
    } catch (err) {
      throw unavailable(`the cluster CA cannot be read from ${keysDir}: ${(err as Error).message}`);
    }
    return ca;
  };
}

/**
 * What the CA's handlers need: the connection, a projection with the node and cluster slices, a
 * log, and the service's deps (its event store: every issuance is recorded; without it — a test's
 * bare CA — none is).
 */
export type CaContext = NodeCertContext;

export function serveCa(ctx: CaContext, keysDir: string | undefined, keyring?: Keyring): { stop(): Promise<void> } {
  const loadCa = caLoader(keysDir, keyring);
  try {
    loadCa();
  } catch (err) {
    // A manager without the CA key (one that joined: keys are not shared yet) leaves these requests
    // to the instances that have it, instead of answering them with an error.
    ctx.log.warn("not serving join tokens or node certificates: no cluster CA here", { why: (err as Error).message });
    return { stop: async () => {} };
  }
  const opts = { queue: SECRET_STORE_QUEUE, log: ctx.log };
  const tokens = serve(ctx.nc, subjects.secretStoreJoinTokens, JoinTokensRpc, (req) => {
    const ca = loadCa();
    return {
      caCert: ca.certPem, caDigest: caDigest(ca.certPem),
      worker: deriveJoinToken(ca, "worker", req.worker), manager: deriveJoinToken(ca, "manager", req.manager),
    };
  }, opts);
  const sign = serve(ctx.nc, subjects.secretStoreSignNode, SignNodeRpc, async (req) => {
    const ca = loadCa();
    await ctx.informer.waitFor(req.seq, SIGN_WAIT_MS);
    const state = ctx.informer.state;
    const cluster = state.cluster;
    if (!cluster) throw failedPrecondition("no cluster: a certificate is signed only for a node of an initialised cluster");
    const node = state.nodes.get(req.nodeId);
    if (!node) throw notFound(`node ${req.nodeId} is not part of the cluster: no certificate`);
    const days = cluster.nodeCertExpiryMs === undefined ? undefined : cluster.nodeCertExpiryMs / DAY_MS;
    const cert = await signNodeCsr({ ca, csrPem: req.csr, nodeId: node.id, role: node.role, clusterId: cluster.id, ...(days ? { days } : {}) });
    await recordIssuance(ctx, { nodeId: node.id, role: node.role, reason: "join", certPem: cert, caPem: ca.certPem });
    ctx.log.info("node certificate signed", { nodeId: node.id, role: node.role });
    return { cert, caCert: ca.certPem, role: node.role };
  }, opts);
  const renew = serveRenewal(ctx, loadCa);
  return { stop: async () => { await tokens.stop(); await sign.stop(); await renew.stop(); } };
}
