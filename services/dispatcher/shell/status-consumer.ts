import { AckPolicy, JetStreamApiError, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import { FOLLOW_PULL } from "../../shared/nats/index.js";
import { errorMessage, isRetryable } from "../../shared/errors/index.js";
import { NodeStatusMessage, STREAMS, formatZodError, subjects, type TaskStatusReport } from "../../../schemas/index.js";
import { isStaleHeartbeat } from "../core/liveness.js";
import { heartbeatPeriodMs, planHeartbeat, rejectedReports } from "../core/sessions.js";
import type { DispatcherContext } from "./context.js";
import { NodeLanes } from "./node-lanes.js";
import { ReportBatcher } from "./report-batcher.js";

/**
 * Durable consumer on the NODE_STATUS work queue, shared by every dispatcher instance (a
 * work-queue stream cannot have one consumer per owner). A node's task reports are handled by the
 * node's owner only — another instance hands them back (nak) for redelivery — so one instance
 * decides on a node's tasks at a time, in the order the node sent them: their batches are on the
 * instance's own subject, and that expectation does not order two instances' writes.
 */
export const STATUS_CONSUMER = "dispatcher-status";

export interface StatusOptions {
  /** Redelivery delay after a transient failure (NATS unavailable). Default 1000 ms. */
  nakDelayMs?: number;
  /** Status messages queued or being handled at once, across nodes (one node's are handled in order). Default 8192. */
  concurrency?: number;
  /** Redelivery delay of a report pulled by an instance that does not own its node. Default 20 ms. */
  notMineDelayMs?: number;
}

/** Unacknowledged status messages the consumer hands out at once (bounds `concurrency` in effect). */
const MAX_ACK_PENDING = 16384;

/** Consumes agent reports: heartbeats keep nodes alive, task reports become TaskStatusChanged. */
export async function consumeStatus(ctx: DispatcherContext, opts: StatusOptions = {}): Promise<{ stop(): Promise<void> }> {
  const { nc } = ctx.deps;
  await ensureConsumer(ctx);
  const consumer = await jetstream(nc).consumers.get(STREAMS.nodeStatus, STATUS_CONSUMER);
  const messages = await consumer.consume({ max_messages: 1024, ...FOLLOW_PULL });
  const reports = new ReportBatcher(ctx);
  // A node's messages that arrive while its previous ones are being decided are decided together.
  const lanes = new NodeLanes<JsMsg>(opts.concurrency ?? 8192, (nodeId, msgs) => handle(ctx, reports, nodeId, msgs, opts)
    .catch((err) => ctx.log.error("node status messages failed", { nodeId, err: errorMessage(err) })));
  const done = (async () => {
    for await (const m of messages) {
      await lanes.room();
      lanes.push(m.subject.split(".")[2] ?? "", m);
    }
  })().catch((err) => ctx.log.error("status consumer ended", { err: errorMessage(err) }));
  const beats = listenHeartbeats(ctx);
  return { stop: async () => { messages.stop(); beats.unsubscribe(); await done; await lanes.drain(); } };
}


/**
 * Heartbeats arrive on plain NATS, without a queue group: every dispatcher instance keeps its own
 * view of liveness, so running several never splits a node's beats between them.
 */
function listenHeartbeats(ctx: DispatcherContext): { unsubscribe(): void } {
  return ctx.deps.nc.subscribe(subjects.nodeHeartbeatAll, {
    callback: (err, m) => {
      if (err) return;
      const parsed = NodeStatusMessage.safeParse(safeJson(m.data));
      const nodeId = m.subject.split(".")[2];
      if (!parsed.success || parsed.data.kind !== "heartbeat" || parsed.data.nodeId !== nodeId) {
        ctx.log.warn("bad heartbeat dropped", { subject: m.subject });
        return;
      }
      if (parsed.data.periodMs) ctx.toldPeriodMs.set(nodeId, parsed.data.periodMs);
      onHeartbeat(ctx, nodeId, ctx.now().getTime()).catch((e) => ctx.log.warn("heartbeat failed", { nodeId, err: errorMessage(e) }));
    },
  });
}

function safeJson(data: Uint8Array): unknown {
  try { return JSON.parse(new TextDecoder().decode(data)); } catch { return undefined; }
}

async function ensureConsumer(ctx: DispatcherContext): Promise<void> {
  const jsm = await jetstreamManager(ctx.deps.nc);
  const cfg = { durable_name: STATUS_CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: 30_000_000_000, max_ack_pending: MAX_ACK_PENDING };
  try {
    await jsm.consumers.add(STREAMS.nodeStatus, cfg);
  } catch (err) {
    // Created by another instance (or an older version) with a different detail: use it, with this window.
    if (!(err instanceof JetStreamApiError)) throw err;
    const info = await jsm.consumers.info(STREAMS.nodeStatus, STATUS_CONSUMER);
    if (info.config.max_ack_pending !== MAX_ACK_PENDING) {
      await jsm.consumers.update(STREAMS.nodeStatus, STATUS_CONSUMER, { max_ack_pending: MAX_ACK_PENDING }).catch((e) =>
        ctx.log.warn("status consumer window not updated", { err: errorMessage(e) }));
    }
  }
}

/**
 * One node's status messages, in the order they came: each is checked on its own (parse, the
 * subject it came on, ownership); the task reports of all that pass are decided as one submission
 * and acknowledged together once in the projection.
 */
async function handle(ctx: DispatcherContext, reports: ReportBatcher, nodeId: string, msgs: JsMsg[], opts: StatusOptions): Promise<void> {
  const updates: TaskStatusReport[] = [];
  const taken: JsMsg[] = [];
  for (const m of msgs) {
    let body: unknown;
    try { body = m.json(); } catch { body = undefined; }
    const parsed = NodeStatusMessage.safeParse(body);
    if (!parsed.success) {
      ctx.log.warn("unparseable node status message dropped", { subject: m.subject, err: formatZodError(parsed.error) });
      m.term("unparseable");
      continue;
    }
    const msg = parsed.data;
    // The subject is what NATS permissions vouch for (DESIGN §6): a node may only speak for itself.
    if (msg.nodeId !== nodeId) {
      ctx.log.warn("node status message for another node dropped", { subject: m.subject, nodeId: msg.nodeId });
      m.term("node id does not match subject");
      continue;
    }
    if (msg.kind === "heartbeat") {
      await settle(ctx, [m], opts, "heartbeat", () => onHeartbeat(ctx, nodeId, m.time.getTime()));
      continue;
    }
    if (!ctx.partition.owns(nodeId)) {
      m.nak(opts.notMineDelayMs ?? 20);
      continue;
    }
    const wait = handoverWait(ctx, nodeId);
    if (wait > 0) {
      m.nak(wait);
      continue;
    }
    updates.push(...msg.updates);
    taken.push(m);
  }
  if (taken.length > 0) await settle(ctx, taken, opts, "tasks", () => onReports(ctx, reports, nodeId, updates));
}

/** How long a node's reports must still stay queued after it was taken from a live instance, ms (0: none). */
function handoverWait(ctx: DispatcherContext, nodeId: string): number {
  const until = ctx.handoverUntil.get(nodeId);
  if (until === undefined) return 0;
  const left = until - ctx.now().getTime();
  if (left <= 0) ctx.handoverUntil.delete(nodeId);
  return Math.max(0, left);
}

/** Runs `work` and acknowledges `msgs` after it; a transient failure hands them back for redelivery. */
async function settle(ctx: DispatcherContext, msgs: JsMsg[], opts: StatusOptions, kind: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    for (const m of msgs) m.ack();
  } catch (err) {
    const retry = isRetryable(err);
    ctx.log.warn("node status message failed", { subject: msgs[0]?.subject, kind, messages: msgs.length, retry, err: errorMessage(err) });
    for (const m of msgs) {
      if (retry) m.nak(opts.nakDelayMs ?? 1000);
      else m.term(errorMessage(err));
    }
  }
}

async function onHeartbeat(ctx: DispatcherContext, nodeId: string, writtenAtMs: number): Promise<void> {
  const state = ctx.informer.state;
  if (!state.nodes.has(nodeId)) {
    ctx.log.debug("heartbeat from a node not in the swarm ignored", { nodeId });
    return;
  }
  const nowMs = ctx.now().getTime();
  // An old heartbeat left in the queue (dispatcher was down) proves nothing about the node now.
  if (isStaleHeartbeat(writtenAtMs, nowMs, heartbeatPeriodMs(state))) return;
  ctx.lastSeen.set(nodeId, nowMs);
  // Every instance keeps its own liveness view; only the node's owner brings it back to ready.
  if (ctx.partition.owns(nodeId)) await ctx.commit((s) => planHeartbeat(s, nodeId), nodeId);
}

async function onReports(ctx: DispatcherContext, reports: ReportBatcher, nodeId: string, updates: TaskStatusReport[]): Promise<void> {
  // The node learnt of its task from a doc published on a projection that may be ahead of this
  // one (another instance's, before ownership moved): a task this one does not know (yet) is judged
  // only once its projection has caught up with the log head, so a report is never dropped for being early.
  let rejected = rejectedReports(ctx.informer.state, nodeId, updates);
  if (rejected.some((r) => r.reason !== "unchanged" && !r.reason.startsWith("invalid transition"))) {
    await ctx.informer.waitFor(await ctx.deps.store.headSeq());
    rejected = rejectedReports(ctx.informer.state, nodeId, updates);
  }
  for (const r of rejected) {
    const fields = { nodeId, taskId: r.taskId, state: r.state, reason: r.reason };
    if (r.reason === "unchanged") ctx.log.debug("task status report ignored", fields);
    else ctx.log.warn("task status report ignored", fields);
  }
  await reports.submit(nodeId, updates);
}
