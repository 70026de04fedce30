import type { NatsConnection } from "@nats-io/transport-node";
import { RegisterRpc, subjects, type RegisterReply, type RegisterRequest } from "../../schemas/index.js";
import { SwarmError } from "../../services/shared/errors/index.js";
import { call, RpcNoRespondersError, RpcTimeoutError, serve } from "../../services/shared/rpc/index.js";

/**
 * A registration as a test asserts it: the period told, or the dispatcher's refusal in its own
 * words (the certificate the reply also names is asserted on its own: `registerReply`).
 */
export type Registration = { ok: true; heartbeatPeriodMs: number } | { ok: false; error: string };

/** Registers `req` (on `subject`, default the shared one) with whichever dispatcher answers; no answer at all throws (as an agent would retry). */
export async function registerNode(nc: NatsConnection, req: RegisterRequest, subject: string = subjects.dispatcherRegister): Promise<Registration> {
  try {
    return { ok: true, heartbeatPeriodMs: (await call(nc, subject, RegisterRpc, req)).heartbeatPeriodMs };
  } catch (err) {
    if (err instanceof RpcNoRespondersError || err instanceof RpcTimeoutError || !(err instanceof SwarmError)) throw err;
    return { ok: false, error: err.message };
  }
}

/** The dispatcher's whole reply to a registration. */
export function registerReply(nc: NatsConnection, req: RegisterRequest, subject: string = subjects.dispatcherRegister): Promise<RegisterReply> {
  return call(nc, subject, RegisterRpc, req);
}

/** A stand-in dispatcher for agent tests: answers every registration with `reply(req)`. */
export function fakeDispatcher(nc: NatsConnection, reply: (req: RegisterRequest) => RegisterReply): { stop(): Promise<void> } {
  // Agents ask on their node's own subject; older ones on the shared one.
  const perNode = serve(nc, subjects.dispatcherRegisterAll, RegisterRpc, reply);
  const shared = serve(nc, subjects.dispatcherRegister, RegisterRpc, reply);
  return { stop: async () => { await perNode.stop(); await shared.stop(); } };
}
