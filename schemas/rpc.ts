import { z } from "zod";
import { NodeDescription } from "./events/index.js";

/*
 * Request/reply between processes (`swarm.rpc.…`, DESIGN §1): each endpoint is described once here
 * — who answers, what it is asked, what it answers — and `services/shared/rpc` parses both ways.
 */

/** One rpc endpoint: the service that answers (named in "no responders" errors) and its two schemas. */
export interface RpcSchemas<Req extends z.ZodTypeAny = z.ZodTypeAny, Rep extends z.ZodTypeAny = z.ZodTypeAny> {
  service: string;
  request: Req;
  reply: Rep;
}

/**
 * A failure on the wire: a code of the one error table (`services/shared/errors`) and the message
 * for the user. The code is a plain string here so that a peer that knows a newer code is still
 * understood (the caller maps an unknown one to `internal`).
 */
export const RpcError = z.object({ code: z.string(), message: z.string() });
export type RpcError = z.infer<typeof RpcError>;

/** Every reply: `{reply}` on success, `{error}` on failure; the reply is parsed by the endpoint's own schema. */
export const RpcEnvelope = z.union([
  z.object({ error: RpcError }).strict(),
  z.object({ reply: z.unknown() }).strict(),
]);
export type RpcEnvelope = z.infer<typeof RpcEnvelope>;

/** Agent → dispatcher on `swarm.rpc.dispatcher.register`: the node's new session. */
export const RegisterRequest = z.object({
  nodeId: z.string(),
  sessionId: z.string(),
  description: NodeDescription,
  addr: z.string(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;
/** The heartbeat period the node must beat at. A refusal travels as an rpc error (e.g. `not_found`). */
export const RegisterReply = z.object({ heartbeatPeriodMs: z.number().int().positive() });
export type RegisterReply = z.infer<typeof RegisterReply>;
export const RegisterRpc = { service: "dispatcher", request: RegisterRequest, reply: RegisterReply } satisfies RpcSchemas;

/** Lease holder liveness (`swarm.rpc.lease.<service>.<holder>`): only whether anybody answers matters. */
export const LeaseProbeRpc = { service: "lease holder", request: z.object({}), reply: z.object({}) } satisfies RpcSchemas;
