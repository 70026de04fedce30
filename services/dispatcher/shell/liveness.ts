import { every } from "../../shared/runtime/index.js";
import { heartbeatPeriodMs } from "../core/sessions.js";
import { planLiveness } from "../core/liveness.js";
import type { DispatcherContext } from "./context.js";
import type { OutageWatch } from "./outage-watch.js";

/**
 * Judges overdue heartbeats of the nodes this instance owns every `intervalMs` (default 100); a
 * node not heard since `startedAtMs` counts as seen then, and none is judged on heartbeats sent
 * while this instance's connection was down (`outages`: a fresh grace period after each).
 */
export function startLiveness(ctx: DispatcherContext, startedAtMs: number, outages: OutageWatch, intervalMs = 100): { stop(): void } {
  let lastLagWarnMs = 0;
  return every(intervalMs, async () => {
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
  }, ctx.log);
}
