import { headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { z } from "zod";
import { RpcError, formatZodError, type RpcSchemas } from "../../../schemas/index.js";
import { SwarmError, errorMessage } from "../errors/index.js";
import { fromWire, requestFailure, RPC_TIMEOUT_MS, toWire, type ServeOptions } from "./rpc.js";

/*
 * Request/reply carrying raw bytes beside the parsed metadata: for payloads that would not fit a
 * NATS message as JSON (a 1000 KiB config is 1.33 MiB in base64; max_payload is 1 MiB). The
 * metadata travels as JSON in the `Swarm-Meta` header and is parsed with the endpoint's schemas
 * exactly as `serve`/`call` do; a failure travels in `Swarm-Error` as `{code, message}`.
 */

const META = "Swarm-Meta";
const ERROR = "Swarm-Error";

export interface Bytes<M> { meta: M; data: Uint8Array }

export type BytesHandler<S extends RpcSchemas> = (
  req: Bytes<z.output<S["request"]>>, msg: { subject: string },
) => Promise<{ meta: z.input<S["reply"]>; data?: Uint8Array }>;

function headerJson(msg: Msg, name: string): unknown {
  const v = msg.headers?.get(name);
  if (!v) return undefined;
  try { return JSON.parse(v); } catch { throw new SwarmError("invalid_argument", `${name} header on ${msg.subject} is not JSON`); }
}

/** Answers bytes requests on `subject` (`serve` with a raw body beside the metadata). */
export function serveBytes<S extends RpcSchemas>(nc: NatsConnection, subject: string, rpc: S, handler: BytesHandler<S>, opts: ServeOptions = {}): { stop(): Promise<void> } {
  const sub: Subscription = nc.subscribe(subject, {
    queue: opts.queue,
    callback: (err, msg) => {
      if (err) { opts.log?.warn("rpc subscription error", { subject, err: errorMessage(err) }); return; }
      void answer(msg, rpc, handler, opts);
    },
  });
  return { stop: async () => { sub.unsubscribe(); await sub.closed; } };
}

async function answer<S extends RpcSchemas>(msg: Msg, rpc: S, handler: BytesHandler<S>, opts: ServeOptions): Promise<void> {
  const h = natsHeaders();
  let data: Uint8Array = new Uint8Array(0);
  try {
    const req = rpc.request.safeParse(headerJson(msg, META) ?? {});
    if (!req.success) throw new SwarmError("invalid_argument", `request on ${msg.subject}: ${formatZodError(req.error)}`);
    const out = await handler({ meta: req.data as z.output<S["request"]>, data: msg.data }, { subject: msg.subject });
    const meta = rpc.reply.safeParse(out.meta);
    if (!meta.success) throw new SwarmError("internal", `reply on ${msg.subject} is malformed: ${formatZodError(meta.error)}`);
    h.set(META, JSON.stringify(meta.data));
    data = out.data ?? data;
  } catch (err) {
    const error = toWire(err);
    if (error.code === "internal") opts.log?.error("rpc handler failed", { subject: msg.subject, err: error.message });
    h.set(ERROR, JSON.stringify(error));
  }
  if (!msg.reply) return;
  try { msg.respond(data, { headers: h }); } catch (err) { opts.log?.warn("rpc reply not sent", { subject: msg.subject, err: errorMessage(err) }); }
}

/** Asks `subject` with metadata and bytes; errors as `call`'s. */
export async function callBytes<S extends RpcSchemas>(
  nc: NatsConnection, subject: string, rpc: S, req: Bytes<z.input<S["request"]>>, opts: { timeoutMs?: number } = {},
): Promise<Bytes<z.output<S["reply"]>>> {
  const meta = rpc.request.safeParse(req.meta);
  if (!meta.success) throw new SwarmError("invalid_argument", `request to ${subject}: ${formatZodError(meta.error)}`);
  const h = natsHeaders();
  h.set(META, JSON.stringify(meta.data));
  const timeoutMs = opts.timeoutMs ?? RPC_TIMEOUT_MS;
  let msg: Msg;
  try {
    msg = await nc.request(subject, req.data, { timeout: timeoutMs, headers: h });
  } catch (err) {
    throw requestFailure(err, subject, rpc.service, timeoutMs);
  }
  const error = RpcError.safeParse(headerJson(msg, ERROR));
  if (error.success) throw fromWire(error.data);
  const out = rpc.reply.safeParse(headerJson(msg, META));
  if (!out.success) throw new SwarmError("internal", `reply from ${subject} is malformed: ${formatZodError(out.error)}`);
  return { meta: out.data as z.output<S["reply"]>, data: msg.data };
}
