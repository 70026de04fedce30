import { errorMessage } from "../shared/errors/index.js";
import { type MemberStatus } from "../shared/instances/index.js";
import { Controller } from "../shared/reconcile/index.js";
import { type ServiceDeps } from "../shared/runtime/index.js";
import { heartbeatPeriodMs } from "./core/sessions.js";
import { HANDOVER_GRACE_MS, gainedFromLive } from "./core/handover.js";
import { makeContext } from "./shell/context.js";
import { startLiveness } from "./shell/liveness.js";
import { serveRegistration } from "./shell/registration.js";
import { consumeStatus, type StatusOptions } from "./shell/status-consumer.js";
import { DOC_BUCKET_MS, TaskDocPublisher } from "./shell/task-docs.js";
import { OutageWatch } from "./shell/outage-watch.js";

export { STATUS_CONSUMER } from "./shell/status-consumer.js";
export { REGISTER_QUEUE } from "./shell/registration.js";
export { DEFAULT_HEARTBEAT_PERIOD_MS } from "./core/sessions.js";

export interface DispatcherOptions extends StatusOptions {
  /** How often overdue heartbeats are looked for. Default 100 ms. */
  livenessIntervalMs?: number;
  /**
   * Own only the nodes that hash to this instance among the live dispatchers in KV
   * `swarm-members` (DESIGN §5): liveness, marking ready, task docs. Default false: this instance
   * owns every node (in-process tests, a lone instance). `main.ts` turns it on.
   */
  partitioned?: boolean;
  /** Partition view sweep period, ms (tests). Default 500. */
  partitionSweepMs?: number;
  /** How long reports of a node taken over from a live instance stay queued, ms. Default HANDOVER_GRACE_MS (3000). */
  handoverGraceMs?: number;
}

export interface RunningDispatcher {
  stop(): Promise<void>;
  /** Role (`partitions` with the nodes owned, or `all`) and projection sequence, for membership. */
  status(): MemberStatus;
}

/**
 * The dispatcher: a controller that keeps each owned node's task docs (work key: task id, owned
 * by its node's owner), and around it the node sessions (registration, heartbeats, liveness) and
 * agent task reports → TaskStatusesChanged. Works only after the controller's informer has replayed.
 */
export async function start(deps: ServiceDeps, opts: DispatcherOptions = {}): Promise<RunningDispatcher> {
  const grace = opts.handoverGraceMs ?? HANDOVER_GRACE_MS;
  // Every node's grace period at start counts from the moment the projection is synced.
  let startedAtMs = 0;
  const ctl: Controller = new Controller(deps, {
    service: "dispatcher", ownership: opts.partitioned ? "partitioned" : "all",
    ownershipOptions: { sweepMs: opts.partitionSweepMs },
    partitionKeysOf: (state) => state.nodes.keys(),
    keysOfEvent: (e) => docs.keysOfEvent(e),
    ownerOf: (taskId) => docs.nodeOf(taskId),
    reconcile: (taskId) => docs.sync(taskId),
    onSynced: () => { startedAtMs = ctx.now().getTime(); },
    onEvent: (e) => {
      // A node that registered or came back just proved it is alive, whichever instance heard it.
      const ev = e.event;
      if (ev.type === "NodeRegistered" || (ev.type === "NodeStatusChanged" && ev.data.state === "ready")) ctx.lastSeen.set(ev.data.nodeId, ctx.now().getTime());
    },
    onOwnershipChange: ({ members }, starting) => {
      if (!members) return;
      // Also while starting: the first change is this instance joining.
      const until = ctx.now().getTime() + grace;
      for (const id of gainedFromLive(ctl.informer.state.nodes.keys(), members.before, members.after, deps.instanceId)) ctx.handoverUntil.set(id, until);
      if (!starting) void docs.moved(members).catch((err) => ctx.log.warn("task doc takeover failed", { err: errorMessage(err) }));
    },
    onStarted: () => docs.sweep(),
    queue: { debounceMs: 5, bucketMs: DOC_BUCKET_MS, order: (a, b) => docs.order(a, b) },
  });
  const ctx = makeContext(deps, ctl);
  // Heartbeats arrive on deps.nc: its outages start a fresh grace period for every node.
  const outages = new OutageWatch(() => ctx.now().getTime(), ctx.log);
  outages.watch(deps.nc, "heartbeats");
  const docs = new TaskDocPublisher(ctx, (taskId) => ctl.enqueue(taskId));
  await ctl.start();
  const registration = serveRegistration(ctx);
  const status = await consumeStatus(ctx, opts);
  const liveness = startLiveness(ctx, startedAtMs, outages, opts.livenessIntervalMs);
  ctx.log.info("dispatcher running", { seq: ctl.informer.seq, heartbeatPeriodMs: heartbeatPeriodMs(ctl.informer.state), partitioned: !!opts.partitioned });
  return {
    status: () => ctl.status(),
    stop: async () => {
      liveness.stop();
      outages.stop();
      await registration.stop();
      await status.stop();
      await ctl.stop();
      docs.close();
    },
  };
}
