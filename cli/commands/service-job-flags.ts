import { jobMode, type ServiceMode, type ServiceSpec } from "../../schemas/specs.js";
import { parseUint, type SpecFlags } from "./service-spec-flags.js";

/* Jobs in `service create`/`update`/`scale` flags (docker/cli service opts), pure. */

export const MODES = ["replicated", "global", "replicated-job", "global-job"] as const;

export interface ModeFlags {
  mode?: string;
  replicas?: string;
  maxConcurrent?: string;
}

/**
 * `--mode`, `--replicas`, `--max-concurrent` → the spec's Mode (undefined: the default, one
 * replica). A replicated job's MaxConcurrent defaults to its replicas, as docker's CLI sets it.
 */
export function modeOf(flags: ModeFlags): ServiceMode | undefined {
  const mode = flags.mode ?? "replicated";
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new Error(`invalid argument "${mode}" for "--mode" flag: expected one of ${MODES.join(", ")}`);
  }
  if (flags.maxConcurrent !== undefined && mode !== "replicated-job") throw new Error("max-concurrent can only be used with replicated-job mode");
  const replicas = flags.replicas === undefined ? undefined : parseUint("--replicas", flags.replicas);
  if (replicas !== undefined && (mode === "global" || mode === "global-job")) throw new Error("replicas can only be used with replicated mode");
  if (mode === "global") return { Global: {} };
  if (mode === "global-job") return { GlobalJob: {} };
  if (mode === "replicated") return replicas === undefined ? undefined : { Replicated: { Replicas: replicas } };
  const max = flags.maxConcurrent === undefined ? replicas : parseUint("--max-concurrent", flags.maxConcurrent);
  return { ReplicatedJob: { ...(max !== undefined ? { MaxConcurrent: max } : {}), ...(replicas !== undefined ? { TotalCompletions: replicas } : {}) } };
}

const UPDATE_FLAGS = ["Parallelism", "Delay", "FailureAction", "Monitor", "MaxFailureRatio", "Order"]
  .flatMap((k) => [`update${k}`, `rollback${k}`]) as (keyof SpecFlags)[];

/** docker: a job has no update or rollback configuration; any `--update-*`/`--rollback-*` flag is refused. */
export function refuseUpdateFlagsForJob(spec: ServiceSpec, flags: SpecFlags): void {
  if (!jobMode(spec)) return;
  if (UPDATE_FLAGS.some((k) => flags[k] !== undefined)) throw new Error("update and rollback configuration is not supported for jobs");
}

/** `service update --replicas`/`--max-concurrent` and `service scale` on the spec's mode (docker's rules). */
export function rescale(spec: ServiceSpec, replicas: number | undefined, maxConcurrent: number | undefined, scale = false): ServiceMode {
  const mode = spec.Mode ?? { Replicated: {} };
  if (maxConcurrent !== undefined && !("ReplicatedJob" in mode)) throw new Error("max-concurrent can only be used with replicated-job mode");
  if ("ReplicatedJob" in mode) {
    return { ReplicatedJob: {
      ...mode.ReplicatedJob,
      ...(replicas !== undefined ? { TotalCompletions: replicas } : {}),
      ...(maxConcurrent !== undefined ? { MaxConcurrent: maxConcurrent } : {}),
    } };
  }
  if (!("Replicated" in mode)) {
    throw new Error(scale ? "scale can only be used with replicated or replicated-job mode" : "replicas can only be used with replicated mode");
  }
  return replicas === undefined ? mode : { Replicated: { Replicas: replicas } };
}
