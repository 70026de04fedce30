import type { NatsConnection } from "@nats-io/transport-node";
import { DeliveredFiles, formatZodError, SecretDeliverRpc, subjects } from "../../../schemas/index.js";
import { errorMessage, SwarmError } from "../../shared/errors/index.js";
import { callBytes } from "../../shared/rpc/index.js";
import { newSealKey } from "../../shared/seal/index.js";

/*
 * Asks the secret-store for a task's files (DESIGN §6) on this node's own subject, with a fresh
 * ephemeral X25519 key per request: the reply is sealed to it with the task id as context, so the
 * payload is unreadable on the wire (nats-server trace logs print payloads) and in any other task.
 */

export interface DeliveryOptions {
  /** Attempts while the secret-store is `unavailable` (not running, timed out). Default 5. */
  attempts?: number;
  /** First back-off between attempts, doubled each time, ms. Default 200. */
  backoffMs?: number;
  /** Per-request timeout, ms. Default the rpc default (5 s). */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function once(nc: NatsConnection, nodeId: string, taskId: string, timeoutMs: number | undefined): Promise<DeliveredFiles> {
  const key = newSealKey();
  const reply = await callBytes(nc, subjects.secretsOfNode(nodeId), SecretDeliverRpc,
    { meta: { taskId, publicKey: key.publicKey }, data: new Uint8Array(0) }, timeoutMs ? { timeoutMs } : {});
  let plain: Buffer;
  try {
    plain = key.open(reply.data, taskId);
  } catch (err) {
    throw new SwarmError("internal", `the delivery for task ${taskId} cannot be opened: ${errorMessage(err)}`);
  }
  try {
    const parsed = DeliveredFiles.safeParse(JSON.parse(plain.toString("utf8")));
    if (!parsed.success) throw new SwarmError("internal", `the delivery for task ${taskId} is malformed: ${formatZodError(parsed.error)}`);
    return parsed.data;
  } catch (err) {
    if (err instanceof SwarmError) throw err;
    throw new SwarmError("internal", `the delivery for task ${taskId} is not JSON`);
  } finally {
    plain.fill(0);
  }
}

/** The task's files; `unavailable` is retried with back-off, anything else (a refusal) is final. */
export async function fetchTaskFiles(nc: NatsConnection, nodeId: string, taskId: string, opts: DeliveryOptions = {}): Promise<DeliveredFiles> {
  const attempts = opts.attempts ?? 5;
  let wait = opts.backoffMs ?? 200;
  for (let i = 1; ; i++) {
    try {
      return await once(nc, nodeId, taskId, opts.timeoutMs);
    } catch (err) {
      if (!(err instanceof SwarmError) || err.code !== "unavailable" || i >= attempts) throw err;
      await sleep(wait);
      wait *= 2;
    }
  }
}
