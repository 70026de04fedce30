import { NoRespondersError, RequestError, TimeoutError, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { z } from "zod";
import { RpcEnvelope, formatZodError, type RpcError, type RpcSchemas } from "../../../schemas/index.js";
import { ERROR_CODES, errorMessage, SwarmError, type ErrorCode } from "../errors/index.js";
import type { Logger } from "../telemetry/index.js";

/** Default time a caller waits for an answer, ms (swarmkit's dispatcher RPC timeout). */
export const RPC_TIMEOUT_MS = 5000;

/** Nobody subscribes to the subject: the service is not running (or its connection is gone). Certain, not a guess. */
export class RpcNoRespondersError extends SwarmError {
  constructor(readonly subject: string, service: string, options?: ErrorOptions) {
    super("unavailable", `no ${service} answers on ${subject}`, options);
    this.name = "RpcNoRespondersError";
  }
}

/** Nobody answered in time: the request may or may not have been handled. */
export class RpcTimeoutError extends SwarmError {
  constructor(readonly subject: string, readonly timeoutMs: number, options?: ErrorOptions) {
    super("unavailable", `timed out after ${timeoutMs} ms asking ${subject}`, options);
    this.name = "RpcTimeoutError";
  }
}

export interface ServeOptions {
  /** Queue group: one member of the group answers each request. Default none (every subscriber answers). */
  queue?: string;
  /** Where failures that are not the caller's are logged (handler crashes, malformed replies). */
  log?: Logger;
}

export type Handler<S extends RpcSchemas> = (req: z.output<S["request"]>, msg: { subject: string }) => Promise<z.input<S["reply"]>> | z.input<S["reply"]>;

/**
 * Answers requests on `subject`: the body is parsed with `rpc.request` (a malformed one is refused
 * with `invalid_argument` naming the field, and the handler is not called), the handler's result is
 * checked against `rpc.reply`, and a thrown `SwarmError` travels with its code; anything else
 * thrown travels as `internal`.
 */
export function serve<S extends RpcSchemas>(nc: NatsConnection, subject: string, rpc: S, handler: Handler<S>, opts: ServeOptions = {}): { stop(): Promise<void> } {
  const sub: Subscription = nc.subscribe(subject, {
    queue: opts.queue,
    callback: (err, msg) => {
      if (err) { opts.log?.warn("rpc subscription error", { subject, err: errorMessage(err) }); return; }
      void answer(msg, rpc, handler, opts.log);
    },
  });
  return { stop: async () => { sub.unsubscribe(); await sub.closed; } };
}

async function answer<S extends RpcSchemas>(msg: Msg, rpc: S, handler: Handler<S>, log: Logger | undefined): Promise<void> {
  let envelope: RpcEnvelope;
  try {
    envelope = { reply: await handle(msg, rpc, handler) };
  } catch (err) {
    const error = toWire(err);
    if (error.code === "internal") log?.error("rpc handler failed", { subject: msg.subject, err: error.message });
    envelope = { error };
  }
  if (!msg.reply) return;
  try { msg.respond(JSON.stringify(envelope)); } catch (err) { log?.warn("rpc reply not sent", { subject: msg.subject, err: errorMessage(err) }); }
}

async function handle<S extends RpcSchemas>(msg: Msg, rpc: S, handler: Handler<S>): Promise<unknown> {
  let body: unknown;
  try { body = msg.json(); } catch { throw new SwarmError("invalid_argument", `request on ${msg.subject}: body is not JSON`); }
  const req = rpc.request.safeParse(body);
  if (!req.success) throw new SwarmError("invalid_argument", `request on ${msg.subject}: ${formatZodError(req.error)}`);
  const out = rpc.reply.safeParse(await handler(req.data as z.output<S["request"]>, { subject: msg.subject }));
  if (!out.success) throw new SwarmError("internal", `reply on ${msg.subject} is malformed: ${formatZodError(out.error)}`);
  return out.data;
}

export function toWire(err: unknown): RpcError {
  return err instanceof SwarmError ? { code: err.code, message: err.message } : { code: "internal", message: errorMessage(err) };
}

/**
 * Asks `subject` and returns the parsed reply. Throws a `SwarmError`: the remote one with its code
 * and message; `invalid_argument` for a body that does not fit `rpc.request` (nothing is sent);
 * `RpcNoRespondersError` / `RpcTimeoutError` (both `unavailable`); `internal` for a malformed reply.
 */
export async function call<S extends RpcSchemas>(
  nc: NatsConnection, subject: string, rpc: S, body: z.input<S["request"]>, opts: { timeoutMs?: number } = {},
): Promise<z.output<S["reply"]>> {
  const req = rpc.request.safeParse(body);
  if (!req.success) throw new SwarmError("invalid_argument", `request to ${subject}: ${formatZodError(req.error)}`);
  const timeoutMs = opts.timeoutMs ?? RPC_TIMEOUT_MS;
  let msg: Msg;
  try {
    msg = await nc.request(subject, JSON.stringify(req.data), { timeout: timeoutMs });
  } catch (err) {
    throw requestFailure(err, subject, rpc.service, timeoutMs);
  }
  return parseReply(msg, subject, rpc);
}

export function requestFailure(err: unknown, subject: string, service: string, timeoutMs: number): SwarmError {
  if (err instanceof NoRespondersError || (err instanceof RequestError && err.isNoResponders())) {
    return new RpcNoRespondersError(subject, service, { cause: err });
  }
  if (err instanceof TimeoutError) return new RpcTimeoutError(subject, timeoutMs, { cause: err });
  return new SwarmError("unavailable", `asking ${subject}: ${errorMessage(err)}`, { cause: err });
}

function parseReply<S extends RpcSchemas>(msg: Msg, subject: string, rpc: S): z.output<S["reply"]> {
  let body: unknown;
  try { body = msg.json(); } catch { throw new SwarmError("internal", `reply from ${subject} is not JSON`); }
  const env = RpcEnvelope.safeParse(body);
  if (!env.success) throw new SwarmError("internal", `reply from ${subject} is malformed: ${formatZodError(env.error)}`);
  if ("error" in env.data) throw fromWire(env.data.error);
  const out = rpc.reply.safeParse(env.data.reply);
  if (!out.success) throw new SwarmError("internal", `reply from ${subject} is malformed: ${formatZodError(out.error)}`);
  return out.data as z.output<S["reply"]>;
}

/** The remote error with its code; a code this side does not know becomes `internal`, named in the message. */
export function fromWire(e: RpcError): SwarmError {
  if (Object.hasOwn(ERROR_CODES, e.code)) return new SwarmError(e.code as ErrorCode, e.message);
  return new SwarmError("internal", `${e.message} (unknown error code ${e.code})`);
}
