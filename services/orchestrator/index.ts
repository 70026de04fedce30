import { z } from "zod";
import { parseEnv, type ServiceDeps } from "../shared/runtime/index.js";
import { type MemberStatus } from "../shared/instances/index.js";
import { Orchestrator, type OrchestratorOptions } from "./shell/orchestrator.js";
import { specLimitsFrom } from "../../schemas/index.js";

export type { OrchestratorOptions };
export { plan, nextWakeup } from "./core/index.js";

export interface RunningOrchestrator {
  stop(): Promise<void>;
  /** Resolves when no service is queued or being reconciled (for tests). */
  idle(): Promise<void>;
  /** Role (`partitions` with the services owned, or `all`) and projection sequence, for membership. */
  status(): MemberStatus;
}

/** Starts the replicated-service orchestrator: replays the log, then reconciles until stopped. */
export async function start(deps: ServiceDeps, opts: OrchestratorOptions = {}): Promise<RunningOrchestrator> {
  const o = new Orchestrator(deps, opts);
  await o.start();
  return { stop: () => o.stop(), idle: () => o.idle(), status: () => o.status() };
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
