import { Controller } from "../shared/reconcile/index.js";
import { type LeaseOptions, type MemberStatus } from "../shared/instances/index.js";
import { type ServiceDeps } from "../shared/runtime/index.js";
import { errorMessage } from "../shared/errors/index.js";
import { mayNeedAllocation, networksTouched, PASS, plan, ReleaseLedger, type AllocationPlan } from "./core/index.js";
import { MapPublisher } from "./shell/maps.js";

export { plan, ReleaseLedger, netMapOf, reservedRange, NO_ADDRESS } from "./core/index.js";

export interface AllocatorOptions {
  /** Lease timings (DESIGN §5: one active allocator, standbys ready). Defaults: ttl 3 s, renew 1 s, retry 0.5 s. */
  lease?: Pick<LeaseOptions, "ttlMs" | "renewMs" | "retryMs">;
  /** How long a freed address waits before it is given again, ms of event time. Default 60 000. */
  quarantineMs?: number;
  /** Quiet time after a change before a pass runs. Default 20 ms. */
  debounceMs?: number;
  /** Full pass regardless of events (retries waiting tasks, repairs maps). Default 10 000 ms. */
  resyncMs?: number;
}

export const DEFAULT_QUARANTINE_MS = 60_000;

/**
 * The allocator (DESIGN §6b): a controller with one debounced work key and the lease. A pass
 * decides every missing allocation on the projection (core/plan.ts), commits it as the four
 * batches on the allocator's subject, then publishes the networks' maps that changed. The release
 * ledger folds every event the projection applies (replay included), so quarantine is decided
 * from event times.
 */
export async function start(deps: ServiceDeps, opts: AllocatorOptions = {}): Promise<{ stop(): Promise<void>; status(): MemberStatus }> {
  const quarantineMs = opts.quarantineMs ?? DEFAULT_QUARANTINE_MS;
  const ledger = new ReleaseLedger();
  const maps = new MapPublisher(deps.nc, deps.log.child("allocator"));
  let reported = "";
  const report = (r: AllocationPlan) => {
    // Said once per change, not every pass: a full pool stays full until something is freed.
    const text = [...r.problems, ...r.failures.map((f) => `task ${f.taskId}: ${f.err}`)].join("; ");
    if (text && text !== reported) ctl.log.warn("allocation incomplete", { problems: r.problems, failures: r.failures.slice(0, 20), waiting: r.failures.length });
    reported = text;
  };
  const ctl: Controller = new Controller(deps, {
    service: "allocator", ownershipOptions: { lease: opts.lease },
    keysOf: () => [PASS],
    keysOfEvent: (e, s) => (mayNeedAllocation(e, s) || networksTouched(e, s).length > 0 ? [PASS] : []),
    onEvent: (e, s) => maps.touched(networksTouched(e, s)),
    onOwnershipChange: (c) => { if (c.active) maps.forceAll(); },
    reconcile: async () => {
      await ctl.commit((s) => {
        const r = plan(s, ctl.now(), ledger, { quarantineMs });
        report(r);
        return r.events;
      });
      ledger.prune(ctl.now().getTime() - quarantineMs);
      try {
        await maps.publish(ctl.informer.state);
      } catch (err) {
        ctl.log.warn("publishing network maps failed (retried next pass)", { err: errorMessage(err) });
        ctl.enqueue(PASS, 1000);
      }
    },
    resyncMs: opts.resyncMs ?? 10_000,
    queue: { debounceMs: opts.debounceMs ?? 20 },
  });
  // Every applied event, replay included (listeners see batches' members).
  ctl.informer.onEvent((e) => ledger.observe(e.event));
  await ctl.start();
  ctl.log.info("allocator running", { seq: ctl.informer.seq, active: ctl.ownership.active });
  return { status: () => ctl.status(), stop: () => ctl.stop() };
}
