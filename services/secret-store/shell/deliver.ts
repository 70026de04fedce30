import { DeliveredFiles, SecretDeliverRpc, subjects } from "../../../schemas/index.js";
import { invalidArgument, permissionDenied, unavailable } from "../../shared/errors/index.js";
import { serveBytes } from "../../shared/rpc/index.js";
import { seal } from "../../shared/seal/index.js";
import { decideDelivery, type Delivery } from "../core/deliver.js";
import type { SecretStoreContext } from "./context.js";
import { SECRET_STORE_QUEUE } from "./payload-rpc.js";
import { refusalRecorder } from "./refusals.js";

/*
 * agent → secret-store on `swarm.rpc.secrets.<nodeId>`: a task's secrets and configs, sealed to the
 * agent's ephemeral key with the task id as context. The node is the subject's last token (with
 * per-node bus permissions a node can ask only on its own subject); what it may receive is decided
 * on this instance's projection (core/deliver.ts).
 */

export interface DeliverOptions {
  /** How long a request for a task this projection has not seen may wait for it to catch up, ms. Default 3000. */
  catchUpMs?: number;
}

const NODE_TOKEN = /^[A-Za-z0-9_-]+$/;

export function serveDeliver(ctx: SecretStoreContext, opts: DeliverOptions = {}): { stop(): Promise<void> } {
  const refused = refusalRecorder(ctx);
  const catchUpMs = opts.catchUpMs ?? 3000;
  return serveBytes(ctx.nc, subjects.secretsAll, SecretDeliverRpc, async ({ meta }, msg) => {
    const nodeId = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
    if (!NODE_TOKEN.test(nodeId)) throw invalidArgument(`${msg.subject}: no node id`);
    const d = await decide(ctx, nodeId, meta.taskId, catchUpMs);
    if (!d.ok) {
      await refused(nodeId, meta.taskId, d.reason);
      throw permissionDenied(`secrets of task ${meta.taskId} refused to node ${nodeId}: ${d.reason}`);
    }
    const files: DeliveredFiles = { files: [] };
    for (const ref of d.refs) {
      const data = await ctx.vault.get(ref);
      // The log has the version but the bucket does not: the api's put has not landed (or was lost).
      if (!data) throw unavailable(`${ref.kind} ${ref.id} version ${ref.version} is not stored yet`);
      files.files.push({ ...ref, data: data.toString("base64") });
    }
    let sealed: Uint8Array;
    try {
      sealed = seal(meta.publicKey, Buffer.from(JSON.stringify(files)), meta.taskId);
    } catch (err) {
      throw invalidArgument(`publicKey: ${(err as Error).message}`);
    }
    ctx.log.info("delivered", { nodeId, taskId: meta.taskId, count: files.files.length });
    return { meta: { count: files.files.length }, data: sealed };
  }, { queue: SECRET_STORE_QUEUE, log: ctx.log });
}

/**
 * Decides on the projection; a refusal that may only mean this instance is behind (the task doc can
 * reach the agent before this instance folded the assignment) is decided again once the projection
 * has reached the log's head, or after `catchUpMs`.
 */
async function decide(ctx: SecretStoreContext, nodeId: string, taskId: string, catchUpMs: number): Promise<Delivery> {
  const first = decideDelivery(ctx.informer.state, nodeId, taskId);
  if (first.ok || !first.unseen) return first;
  const head = await ctx.deps.store.headSeq();
  await ctx.informer.waitFor(head, catchUpMs).catch(() => {});
  return decideDelivery(ctx.informer.state, nodeId, taskId);
}
