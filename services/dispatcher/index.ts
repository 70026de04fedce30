import { Informer } from "../shared/projection/index.js";
import { PartitionView, type MemberStatus } from "../shared/instances/index.js";
import { errorMessage } from "../shared/errors/index.js";
import { every, type ServiceDeps } from "../shared/runtime/index.js";
import { heartbeatPeriodMs } from "./core/sessions.js";
import { planLiveness } from "./core/liveness.js";
import { HANDOVER_GRACE_MS, gainedFromLive } from "./core/handover.js";
import { makeContext, type DispatcherContext } from "./shell/context.js";
import { serveRegistration } from "./shell/registration.js";
import { consumeStatus, type StatusOptions } from "./shell/status-consumer.js";
import { TaskDocPublisher } from "./shell/task-docs.js";
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
 * The dispatcher: node sessions (registration, heartbeats, liveness), agent task reports →
 * TaskStatusChanged, and the per-node task stream. Works only after the informer has replayed.
 */
export async function start(deps: ServiceDeps, opts: DispatcherOptions = {}): Promise<RunningDispatcher> {
  const log = deps.log.child("dispatcher");
  const informer = new Informer(deps.store, { ...deps.projection, log });
  const ctx = makeContext(deps, informer, log);
  // Heartbeats arrive on deps.nc: its outages start a fresh grace period for every node.
  const outages = new OutageWatch(() => ctx.now().getTime(), log);
  outages.watch(deps.nc, "heartbeats");
  const docs = new TaskDocPublisher(ctx);
  informer.onEvent(docs.onEvent);
  informer.onEvent((e) => {
    // A node that registered or came back just proved it is alive, whichever instance heard it.
    if (!informer.synced) return;
    const ev = e.event;
    if (ev.type === "NodeRegistered" || (ev.type === "NodeStatusChanged" && ev.data.state === "ready")) ctx.lastSeen.set(ev.data.nodeId, ctx.now().getTime());
  });
  await informer.start();
  const startedAtMs = ctx.now().getTime();

  let view: PartitionView | undefined;
  if (opts.partitioned) {
    view = await PartitionView.start(deps.nc, {
      service: "dispatcher", instanceId: deps.instanceId, log, sweepMs: opts.partitionSweepMs,
      onChange: (change) => {
        // Also while starting (before `view` is set): the first change is this instance joining.
        const until = ctx.now().getTime() + (opts.handoverGraceMs ?? HANDOVER_GRACE_MS);
        for (const id of gainedFromLive(informer.state.nodes.keys(), change.before, change.after, deps.instanceId)) ctx.handoverUntil.set(id, until);
        if (view) void docs.moved(change).catch((err) => log.warn("task doc takeover failed", { err: errorMessage(err) }));
      },
    });
    ctx.partition = view;
  }
  await docs.sweep();
  const registration = serveRegistration(ctx);
  const status = await consumeStatus(ctx, opts);
  const liveness = every(opts.livenessIntervalMs ?? 100, () => checkLiveness(ctx, startedAtMs, outages), log);
  log.info("dispatcher running", { seq: informer.seq, heartbeatPeriodMs: heartbeatPeriodMs(informer.state), partitioned: !!view });

  return {
    status: () => ({
      role: view ? "partitions" : "all", seq: informer.seq,
      ...(view ? { owns: { count: [...informer.state.nodes.keys()].filter((id) => ctx.partition.owns(id)).length, kind: "node" } } : {}),
    }),
    stop: async () => {
      liveness.stop();
      outages.stop();
      await view?.stop();
      await registration.stop();
      await status.stop();
      await docs.stop();
      await informer.stop();
    },
  };
}

let lastLagWarnMs = 0;

async function checkLiveness(ctx: DispatcherContext, startedAtMs: number, outages: OutageWatch): Promise<void> {
  // Judge as of now, but only once every heartbeat that reached us by now has been handled: the
  // server answers a ping after everything it sent us before it. A dispatcher that fell behind on
  // its messages (a long pass, GC, a loaded machine: timers run before the pending socket reads)
  // would otherwise see its own backlog as silent nodes and mark healthy nodes down.
  const nowMs = ctx.now().getTime();
  try {
    await ctx.deps.nc.rtt();
  } catch {
    return; // not connected: no heartbeat can be heard, so none can be judged missing
  }
  const lagMs = ctx.now().getTime() - nowMs;
  if (lagMs > 1000 && nowMs - lastLagWarnMs > 10_000) {
    lastLagWarnMs = nowMs;
    ctx.log.warn("liveness judged late: this dispatcher was behind on its messages", { lagMs });
  }
  const written = await ctx.commit((s) => planLiveness(s, {
    lastSeen: ctx.lastSeen, toldPeriodMs: ctx.toldPeriodMs, startedAtMs, nowMs, periodMs: heartbeatPeriodMs(s),
    owns: (id) => ctx.partition.owns(id), outages: outages.list(),
  }));
  if (written > 0) ctx.log.info("nodes marked down", { seq: written });
}
