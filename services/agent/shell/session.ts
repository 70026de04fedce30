import type { NatsConnection } from "@nats-io/transport-node";
import { RegisterRpc, subjects, type RegisterReply, type RegisterRequest } from "../../../schemas/index.js";
import { errorMessage, SwarmError } from "../../shared/errors/index.js";
import { call, RPC_TIMEOUT_MS } from "../../shared/rpc/index.js";
import { type Logger } from "../../shared/telemetry/index.js";

export interface RegisterOptions {
  /** Request timeout, ms. Default 5000 (swarmkit's dispatcher RPC timeout). */
  timeoutMs?: number;
  /** Stops the retry loop (agent stopping). */
  signal: AbortSignal;
}

/**
 * Registers the node's session with a dispatcher, retrying with back-off 100 ms doubling to 8 s
 * (swarmkit's session back-off) until a dispatcher says ok. Returns the dispatcher's reply (the
 * heartbeat period, the certificate the node should hold).
 */
export async function register(nc: NatsConnection, req: () => Promise<RegisterRequest>, log: Logger, opts: RegisterOptions): Promise<RegisterReply> {
  let delay = 100;
  for (;;) {
    if (opts.signal.aborted) throw new Error("agent stopping");
    try {
      return await registerOnce(nc, await req(), opts.timeoutMs);
    } catch (err) {
      // The dispatcher's words, verbatim, with their code (e.g. not_found: "node … is not part of this swarm").
      log.warn("register failed; retrying", { code: err instanceof SwarmError ? err.code : "internal", err: errorMessage(err), inMs: delay });
    }
    await sleep(delay, opts.signal);
    delay = Math.min(delay * 2, 8000);
  }
}

/**
 * One registration request; resolves with the dispatcher's reply, rejects with a `SwarmError`: the
 * dispatcher's refusal with its code and message, or `unavailable` when no dispatcher answers.
 */
export async function registerOnce(nc: NatsConnection, body: RegisterRequest, timeoutMs = RPC_TIMEOUT_MS): Promise<RegisterReply> {
  // The node's own subject: the only one its bus identity may ask on (DESIGN §6).
  return call(nc, subjects.dispatcherRegisterOf(body.nodeId), RegisterRpc, body, { timeoutMs });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal.removeEventListener("abort", done); resolve(); }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Calls `onReconnect` after every NATS reconnect until `signal` aborts; errors are logged. */
export function onReconnect(nc: NatsConnection, signal: AbortSignal, log: Logger, fn: () => Promise<void>): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (signal.aborted) return;
      if (s.type !== "reconnect") continue;
      await fn().catch((err) => log.warn("re-register failed", { err: errorMessage(err) }));
    }
  })();
}
