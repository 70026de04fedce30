import { startController } from "../shared/reconcile/index.js";
import { type LeaseOptions, type MemberStatus } from "../shared/instances/index.js";
import { type ServiceDeps } from "../shared/runtime/index.js";
import { packAssigned } from "../shared/model/index.js";
import { mayChangePlacement, PASS, plan } from "./core/index.js";

export { plan, decide, noSuitableNode } from "./core/index.js";

export interface SchedulerOptions {
  /** Quiet time after a task/node change before a pass runs (bursts become one pass). Default 50 ms. */
  debounceMs?: number;
  /** Full pass regardless of events, as a safety net. Default 10 000 ms. */
  resyncMs?: number;
  /** Most events one pass appends; a larger backlog is placed by the passes that follow. Default 5000 (each pass rescans every task). */
  passLimit?: number;
  /** Lease timings (DESIGN §5: one active scheduler, standbys ready). Defaults: ttl 3 s, renew 1 s, retry 0.5 s. */
  lease?: Pick<LeaseOptions, "ttlMs" | "renewMs" | "retryMs">;
}

/**
 * The scheduler: a controller with one debounced work key; every task, node or cluster event that
 * may change a placement queues a pass over the whole projection. Passes never overlap (the work
 * queue runs a key once at a time); only the lease holder's passes run (roster: `lease`).
 */
export async function start(deps: ServiceDeps, opts: SchedulerOptions = {}): Promise<{ stop(): Promise<void>; status(): MemberStatus }> {
  const limit = opts.passLimit ?? 5000;
  let full = false;
  const ctl = await startController(deps, {
    service: "scheduler", ownershipOptions: { lease: opts.lease },
    keysOf: () => [PASS],
    keysOfEvent: (e) => (mayChangePlacement(e.event) ? [PASS] : []),
    plan: (s, _key, now) => {
      const events = plan(s, now, limit);
      full = events.length >= limit;
      // Placements are TasksAssigned batches on the one placements subject (batches.ts).
      return packAssigned(s, events);
    },
    // Stopped at the limit: what is left is decided by the next pass at once, not at the resync.
    afterPass: (_key, _written, ctl) => { if (full) ctl.enqueue(PASS, 0); },
    resyncMs: opts.resyncMs ?? 10_000,
    queue: { debounceMs: opts.debounceMs ?? 50 },
  });
  ctl.log.info("scheduler running", { seq: ctl.informer.seq, active: ctl.ownership.active });
  return { status: () => ctl.status(), stop: () => ctl.stop() };
}
