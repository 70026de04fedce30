import { errorMessage, notFound, permissionDenied, SwarmError } from "../../shared/errors/index.js";
import { serve } from "../../shared/rpc/index.js";
import { RegisterRpc, subjects, type CertificateWish, type RegisterReply, type RegisterRequest } from "../../../schemas/index.js";
import { DEFAULT_NODE_CERT_EXPIRY_MS } from "../../../schemas/api.js";
import type { ClusterState } from "../../shared/model/index.js";
import { heartbeatPeriodMs, notInSwarm, planRegistration } from "../core/sessions.js";
import type { DispatcherContext } from "./context.js";

/** Queue group shared by every dispatcher instance: one of them answers each registration. */
export const REGISTER_QUEUE = "dispatcher";

/**
 * Answers `swarm.rpc.dispatcher.register.<nodeId>` (and the older subject without the node, for
 * agents of the previous version) (rpc: a malformed request is refused with `invalid_argument`, a
 * refusal travels with its code). On the per-node subject, a body for another node is refused:
 * the bus lets a worker ask only on its own subject (DESIGN §6), so the subject is who asks. The
 * reply is sent only once the node's new description and status are in this dispatcher's
 * projection (read-your-writes).
 */
export function serveRegistration(ctx: DispatcherContext): { stop(): Promise<void> } {
  const opts = { queue: REGISTER_QUEUE, log: ctx.log };
  const perNode = serve(ctx.deps.nc, subjects.dispatcherRegisterAll, RegisterRpc, (req, msg) => {
    const asker = msg.subject.slice(subjects.dispatcherRegister.length + 1);
    if (req.nodeId !== asker) {
      ctx.log.warn("registration refused", { nodeId: req.nodeId, subject: msg.subject, reason: "another node's subject" });
      throw permissionDenied(`node ${asker} cannot register node ${req.nodeId}`);
    }
    return handle(ctx, req);
  }, opts);
  const legacy = serve(ctx.deps.nc, subjects.dispatcherRegister, RegisterRpc, (req) => handle(ctx, req), opts);
  return { stop: async () => { await perNode.stop(); await legacy.stop(); } };
}

async function handle(ctx: DispatcherContext, req: RegisterRequest): Promise<RegisterReply> {
  if (!(await knownNode(ctx, req.nodeId))) {
    ctx.log.warn("registration refused", { nodeId: req.nodeId, reason: "not part of this swarm" });
    throw notFound(notInSwarm(req.nodeId));
  }
  try {
    ctx.lastSeen.set(req.nodeId, ctx.now().getTime());
    await ctx.commit((s) => planRegistration(s, req), req.nodeId);
  } catch (err) {
    ctx.log.warn("registration failed", { nodeId: req.nodeId, err: errorMessage(err) });
    // A failed append is the bus's or the log's trouble, not the node's: retryable unless classified otherwise.
    throw new SwarmError(err instanceof SwarmError ? err.code : "unavailable", `registration failed: ${errorMessage(err)}`, { cause: err });
  }
  ctx.log.info("node registered", { nodeId: req.nodeId, sessionId: req.sessionId, addr: req.addr });
  const periodMs = heartbeatPeriodMs(ctx.informer.state);
  ctx.toldPeriodMs.set(req.nodeId, periodMs);
  const certificate = certificateWish(ctx.informer.state, req.nodeId);
  return { heartbeatPeriodMs: periodMs, ...(certificate ? { certificate } : {}) };
}

/** The certificate the log says the node should hold: the agent renews at once when its own differs. */
function certificateWish(state: ClusterState, nodeId: string): CertificateWish | undefined {
  const node = state.nodes.get(nodeId);
  const cluster = state.cluster;
  if (!node || !cluster) return undefined;
  // While a root rotation runs, the root that signs is the new one: every node moves to it.
  const caDigest = cluster.caRotation?.caDigest ?? cluster.caDigest;
  return { role: node.role, expiryMs: cluster.nodeCertExpiryMs ?? DEFAULT_NODE_CERT_EXPIRY_MS, ...(caDigest ? { caDigest } : {}) };
}

/** The node is in the projection, after catching up with the log (it may have just joined). */
async function knownNode(ctx: DispatcherContext, nodeId: string): Promise<boolean> {
  if (ctx.informer.state.nodes.has(nodeId)) return true;
  await ctx.informer.waitFor(await ctx.deps.store.headSeq()).catch(() => undefined);
  return ctx.informer.state.nodes.has(nodeId);
}
