import type { ClusterState } from "../../shared/model/index.js";
import type { SpecLimits } from "../../../schemas/index.js";
import { nextWakeup } from "../core/index.js";

/**
 * One timer per service, at its next promotion time or the end of an update delay (the resync is
 * the safety net): when it fires the service is queued again.
 */
export class Wakeups {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(private readonly enqueue: (serviceId: string) => void, private readonly limits?: SpecLimits) {}

  /** After a pass: (re)arm the service's timer for what the projection says comes next. */
  schedule(state: ClusterState, serviceId: string, now: Date): void {
    const at = nextWakeup(state, serviceId, now, this.limits)?.getTime();
    const current = this.timers.get(serviceId);
    if (current && current.at === at) return;
    if (current) clearTimeout(current.timer);
    this.timers.delete(serviceId);
    if (at === undefined) return;
    const timer = setTimeout(() => {
      this.timers.delete(serviceId);
      this.enqueue(serviceId);
    }, Math.max(0, at - now.getTime()) + 5);
    timer.unref?.();
    this.timers.set(serviceId, { at, timer });
  }

  stop(): void {
    for (const w of this.timers.values()) clearTimeout(w.timer);
    this.timers.clear();
  }
}
