import { z } from "zod";
import { parseEnv, type ServiceDeps } from "../shared/runtime/index.js";
import { type MemberStatus } from "../shared/instances/index.js";
import { deterministicId } from "../shared/eventlog/index.js";
import { packCreated } from "../shared/model/index.js";
import { startController } from "../shared/reconcile/index.js";
import { plan } from "./core/index.js";
import { activeServices, ServiceRouter } from "./shell/routing.js";
import { Wakeups } from "./shell/wakeups.js";
import { specLimitsFrom, type SpecLimits } from "../../schemas/index.js";

export { plan, nextWakeup } from "./core/index.js";

export interface OrchestratorOptions {
  /** Period of the full resync of every service, in ms. Default 5000. */
  resyncMs?: number;
  /** Quiet time before a queued service is reconciled (batches bursts), in ms. Default 20. */
  debounceMs?: number;
  /**
   * Work only on the services this instance owns among the live orchestrators in KV
   * `swarm-members` (rendezvous hashing, DESIGN §5). Default false: this instance owns every
   * service (in-process tests, a lone instance). `main.ts` turns it on.
   */
  partitioned?: boolean;
  /** Partition view sweep period, ms (tests). Default 500. */
  partitionSweepMs?: number;
  /** Spec limits a service must be within to be acted on (core/limits.ts). Default SPEC_LIMITS. */
  limits?: SpecLimits;
}

export interface RunningOrchestrator {
  stop(): Promise<void>;
  /** Resolves when no service is queued or being reconciled (for tests). */
  idle(): Promise<void>;
  /** Role (`partitions` with the services owned, or `all`) and projection sequence, for membership. */
  status(): MemberStatus;
}

/**
 * Starts the replicated-service orchestrator: a controller keyed by service id (replay, then a
 * pass per affected service through the pure `plan`), a periodic full resync, and a timer per
 * service for its next held replacement's promotion.
 */
export async function start(deps: ServiceDeps, opts: OrchestratorOptions = {}): Promise<RunningOrchestrator> {
  const router = new ServiceRouter();
  let wakeups: Wakeups | undefined;
  const ctl = await startController(deps, {
    service: "orchestrator", ownership: opts.partitioned ? "partitioned" : "all",
    ownershipOptions: { sweepMs: opts.partitionSweepMs },
    keysOf: activeServices,
    keysOfEvent: (e, state) => router.keysOf(e, state),
    onSynced: (state) => router.seed(state),
    // The pass's new tasks are one TasksCreated on the service's task set (batches.ts).
    plan: (state, serviceId, now) => packCreated(state, plan(state, serviceId, now, deterministicId, opts.limits)),
    afterPass: (serviceId, _written, c) => {
      wakeups ??= new Wakeups((id) => c.enqueue(id), opts.limits);
      wakeups.schedule(c.informer.state, serviceId, c.now());
    },
    resyncMs: opts.resyncMs ?? 5000,
    queue: { debounceMs: opts.debounceMs ?? 20 },
  });
  ctl.log.info("synced", { seq: ctl.informer.seq, services: ctl.informer.state.services.size, owned: ctl.status().owns?.count ?? activeServices(ctl.informer.state).length });
  return {
    idle: () => ctl.idle(),
    status: () => ctl.status(),
    stop: async () => {
      await ctl.stop();
      wakeups?.stop();
    },
  };
}

const OrchestratorConfig = z.object({
  /** Full resync period, ms. Default 5000. */
  SWARM_ORCHESTRATOR_RESYNC_MS: z.coerce.number().int().positive().optional(),
});

/** Options from the environment; a bad value names the variable. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): OrchestratorOptions {
  const cfg = parseEnv(OrchestratorConfig, env);
  // The same SWARM_MAX_REPLICAS as the api's, so a spec the api accepts is one the orchestrator acts on.
  const limits = specLimitsFrom(env);
  return cfg.SWARM_ORCHESTRATOR_RESYNC_MS === undefined ? { limits } : { resyncMs: cfg.SWARM_ORCHESTRATOR_RESYNC_MS, limits };
}
