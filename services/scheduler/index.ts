import { Informer } from "../shared/projection/index.js";
import { Lease, leaseProbe, openLeaseKv, type LeaseOptions, type MemberStatus } from "../shared/instances/index.js";
import { WorkQueue, decideAndCommit } from "../shared/reconcile/index.js";
import { every, serviceActor, type ServiceDeps } from "../shared/runtime/index.js";
import { packAssigned } from "../shared/model/index.js";
import { parseEventSubject, taskStateRank, type Envelope } from "../../schemas/index.js";

const RUNNING_RANK = taskStateRank("running");
import { plan } from "./core/index.js";

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

const PASS = "schedule";

/**
 * Whether an event can give a pending task a place or take one away: a node change, a task
 * created, stopped or deleted, or a task that ended (its reservation and ports are free again).
 * Placements themselves and progress reports (assigned … running) change nothing a pass decides
 * on; a pass per report batch would rescan every task many times a second at scale.
 */
function mayChangePlacement(e: Envelope): boolean {
  const kind = parseEventSubject(e.subject)?.kind;
  if (kind === "node") return true;
  if (kind !== "task") return false;
  if (e.type === "TaskAssigned" || e.type === "TaskUnschedulable") return false;
  if (e.type === "TaskStatusChanged") return taskStateRank(e.data.state) > RUNNING_RANK;
  return true;
}

/**
 * The scheduler: one debounced work key; every task, node or cluster event queues a pass over the
 * whole projection. Passes never overlap (the work queue runs a key once at a time).
 */
export async function start(deps: ServiceDeps, opts: SchedulerOptions = {}): Promise<{ stop(): Promise<void>; status(): MemberStatus }> {
  const log = deps.log.child("scheduler");
  const now = deps.now ?? (() => new Date());
  const actor = serviceActor(deps.instanceId);
  const informer = new Informer(deps.store, { ...deps.projection, log });
  const probe = leaseProbe(deps.nc, "scheduler", deps.instanceId);
  const lease = new Lease(await openLeaseKv(deps.nc, { ttlMs: opts.lease?.ttlMs }), {
    ...opts.lease, service: "scheduler", holder: deps.instanceId, log, probe: probe.probe, onChange: (active) => { if (active) queue.add(PASS); },
  });
  const queue = new WorkQueue(async () => {
    // A standby keeps its projection synced but decides nothing (the appends' expectations still guard a stale holder).
    if (!lease.active) return;
    const limit = opts.passLimit ?? 5000;
    let full = false;
    const written = await decideAndCommit(deps.store, informer, (s) => {
      const events = plan(s, now(), limit);
      full = events.length >= limit;
      // Placements are TasksAssigned batches on the one placements subject (batches.ts).
      return packAssigned(s, events);
    }, () => ({ actor, now: now() }));
    if (written > 0) log.debug("pass committed", { seq: written });
    // Stopped at the limit: what is left is decided by the next pass at once, not at the resync.
    if (full) queue.add(PASS, 0);
  }, log, { debounceMs: opts.debounceMs ?? 50 });

  informer.onEvent((e) => {
    if (informer.synced && mayChangePlacement(e.event)) queue.add(PASS);
  });
  await informer.start();
  await lease.start();
  queue.add(PASS);
  const resync = every(opts.resyncMs ?? 10_000, () => queue.add(PASS), log);
  log.info("scheduler running", { seq: informer.seq, active: lease.active });

  return {
    status: () => ({ role: lease.active ? "active" : "standby", seq: informer.seq }),
    stop: async () => {
      resync.stop();
      await queue.stop();
      await lease.stop();
      probe.stop();
      await informer.stop();
    },
  };
}
