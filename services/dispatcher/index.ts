import { Informer, every, type ServiceDeps } from "../shared/index.js";
import { heartbeatPeriodMs } from "./core/sessions.js";
import { planLiveness } from "./core/liveness.js";
import { makeContext, type DispatcherContext } from "./shell/context.js";
import { serveRegistration } from "./shell/registration.js";
import { consumeStatus, type StatusOptions } from "./shell/status-consumer.js";
import { TaskDocPublisher } from "./shell/task-docs.js";

export { STATUS_CONSUMER } from "./shell/status-consumer.js";
export { REGISTER_QUEUE } from "./shell/registration.js";
export { DEFAULT_HEARTBEAT_PERIOD_MS } from "./core/sessions.js";

export interface DispatcherOptions extends StatusOptions {
  /** How often overdue heartbeats are looked for. Default 100 ms. */
  livenessIntervalMs?: number;
}

/**
 * The dispatcher: node sessions (registration, heartbeats, liveness), agent task reports →
 * TaskStatusChanged, and the per-node task stream. Works only after the informer has replayed.
 */
export async function start(deps: ServiceDeps, opts: DispatcherOptions = {}): Promise<{ stop(): Promise<void> }> {
  const log = deps.log.child("dispatcher");
  const informer = new Informer(deps.store);
  const ctx = makeContext(deps, informer, log);
  const docs = new TaskDocPublisher(ctx);
  informer.onEvent(docs.onEvent);
  await informer.start();
  const startedAtMs = ctx.now().getTime();

  await docs.sweep();
  const registration = serveRegistration(ctx);
  const status = await consumeStatus(ctx, opts);
  const liveness = every(opts.livenessIntervalMs ?? 100, () => checkLiveness(ctx, startedAtMs), log);
  log.info("dispatcher running", { seq: informer.seq, heartbeatPeriodMs: heartbeatPeriodMs(informer.state) });

  return {
    stop: async () => {
      liveness.stop();
      await registration.stop();
      await status.stop();
      await docs.stop();
      await informer.stop();
    },
  };
}

async function checkLiveness(ctx: DispatcherContext, startedAtMs: number): Promise<void> {
  const written = await ctx.commit((s) => planLiveness(s, {
    lastSeen: ctx.lastSeen, toldPeriodMs: ctx.toldPeriodMs, startedAtMs, nowMs: ctx.now().getTime(), periodMs: heartbeatPeriodMs(s),
  }));
  if (written > 0) ctx.log.info("nodes marked down", { seq: written });
}
