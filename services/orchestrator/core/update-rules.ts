import type { ServiceView } from "../../shared/model/index.js";
import { NS_PER_MS, UPDATE_DEFAULTS, type UpdateConfig } from "../../../schemas/index.js";

/*
 * The update settings in force (§5.1, §5.3 step 5). Task dirtiness (§3.7) is the shared
 * `isTaskDirty` (services/shared/model): the api's `_up-to-date` filter reads the same rule.
 */

export interface UpdateSettings {
  /** Slots updated at once; Infinity for Swarm's 0 (all). */
  parallelism: number;
  delayMs: number;
  failureAction: "pause" | "continue" | "rollback";
  monitorMs: number;
  maxFailureRatio: number;
  order: "stop-first" | "start-first";
  /** True while the updater rolls back (RollbackConfig applies). */
  rollingBack: boolean;
}

/** RollbackConfig while rolling back, else UpdateConfig, with Swarm's defaults filled in. */
export function updateSettings(svc: ServiceView): UpdateSettings {
  const rollingBack = svc.updateStatus?.state === "rollback_started";
  const c: UpdateConfig = (rollingBack ? svc.spec.RollbackConfig : svc.spec.UpdateConfig) ?? {};
  const parallelism = c.Parallelism ?? UPDATE_DEFAULTS.Parallelism;
  return {
    parallelism: parallelism === 0 ? Infinity : parallelism,
    delayMs: Math.floor((c.Delay ?? UPDATE_DEFAULTS.Delay) / NS_PER_MS),
    failureAction: c.FailureAction ?? UPDATE_DEFAULTS.FailureAction,
    monitorMs: Math.floor((c.Monitor ?? UPDATE_DEFAULTS.Monitor) / NS_PER_MS),
    maxFailureRatio: c.MaxFailureRatio ?? UPDATE_DEFAULTS.MaxFailureRatio,
    order: c.Order ?? UPDATE_DEFAULTS.Order,
    rollingBack,
  };
}

/**
 * How long the updater keeps watching after the last slot reached running before it declares the
 * update complete (§5.3 step 8): Monitor, or Delay + 1 s when Delay ≥ Monitor.
 */
export function settleMs(s: UpdateSettings): number {
  return s.delayMs >= s.monitorMs ? s.delayMs + 1000 : s.monitorMs;
}
