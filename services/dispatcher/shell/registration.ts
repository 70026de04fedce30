import type { Msg, Subscription } from "@nats-io/transport-node";
import { errorMessage } from "../../shared/errors/index.js";
import { RegisterRequest, formatZodError, subjects, type RegisterResponse } from "../../../schemas/index.js";
import { heartbeatPeriodMs, notInSwarm, planRegistration } from "../core/sessions.js";
import type { DispatcherContext } from "./context.js";

/** Queue group shared by every dispatcher instance: one of them answers each registration. */
export const REGISTER_QUEUE = "dispatcher";

/**
 * Answers `swarm.rpc.dispatcher.register`. The reply is sent only once the node's new
 * description and status are in this dispatcher's projection (read-your-writes).
 */
export function serveRegistration(ctx: DispatcherContext): { stop(): Promise<void> } {
  const sub: Subscription = ctx.deps.nc.subscribe(subjects.dispatcherRegister, {
    queue: REGISTER_QUEUE,
    callback: (err, msg) => {
      if (err) { ctx.log.warn("register subscription error", { err: errorMessage(err) }); return; }
      void handle(ctx, msg).catch((e) => ctx.log.error("register handler failed", { err: errorMessage(e) }));
    },
  });
  return { stop: async () => { sub.unsubscribe(); await sub.closed; } };
}

async function handle(ctx: DispatcherContext, msg: Msg): Promise<void> {
  const reply = (r: RegisterResponse) => { msg.respond(JSON.stringify(r)); };
  let body: unknown;
  try { body = msg.json(); } catch { return reply({ ok: false, error: "register request: body is not JSON" }); }
  const parsed = RegisterRequest.safeParse(body);
  if (!parsed.success) return reply({ ok: false, error: `register request: ${formatZodError(parsed.error)}` });
  const req = parsed.data;
  if (!(await knownNode(ctx, req.nodeId))) {
    ctx.log.warn("registration refused", { nodeId: req.nodeId, reason: "not part of this swarm" });
    return reply({ ok: false, error: notInSwarm(req.nodeId) });
  }
  try {
    ctx.lastSeen.set(req.nodeId, ctx.now().getTime());
    await ctx.commit((s) => planRegistration(s, req), req.nodeId);
    ctx.log.info("node registered", { nodeId: req.nodeId, sessionId: req.sessionId, addr: req.addr });
    const periodMs = heartbeatPeriodMs(ctx.informer.state);
    ctx.toldPeriodMs.set(req.nodeId, periodMs);
    reply({ ok: true, heartbeatPeriodMs: periodMs });
  } catch (err) {
    ctx.log.warn("registration failed", { nodeId: req.nodeId, err: errorMessage(err) });
    reply({ ok: false, error: `registration failed: ${errorMessage(err)}` });
  }
}

/** The node is in the projection, after catching up with the log (it may have just joined). */
async function knownNode(ctx: DispatcherContext, nodeId: string): Promise<boolean> {
  if (ctx.informer.state.nodes.has(nodeId)) return true;
  await ctx.informer.waitFor(await ctx.deps.store.headSeq()).catch(() => undefined);
  return ctx.informer.state.nodes.has(nodeId);
}
