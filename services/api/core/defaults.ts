import type { JobMode, ServiceSpec, UpdateConfig } from "../../../schemas/index.js";
import { jobMode, RESTART_DEFAULTS, ROLLBACK_DEFAULTS, STOP_GRACE_DEFAULT_NS, UPDATE_DEFAULTS } from "../../../schemas/index.js";

/*
 * Swarm's InterpolateService (`?insertDefaults=true`, reference §1): the stored spec stays sparse;
 * a reader asking for defaults gets every unset field of the restart policy, stop grace period,
 * update and rollback configs and endpoint mode filled in, field by field.
 */

function withConfigDefaults(c: UpdateConfig | undefined, d: typeof UPDATE_DEFAULTS): UpdateConfig {
  return { ...d, ...stripUndefined(c ?? {}) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function withDefaults(spec: ServiceSpec): ServiceSpec {
  const t = spec.TaskTemplate;
  const job = jobMode(spec);
  if (job) return jobDefaults(spec, job);
  return {
    ...spec,
    TaskTemplate: {
      ...t,
      ContainerSpec: { ...t.ContainerSpec, StopGracePeriod: t.ContainerSpec.StopGracePeriod ?? STOP_GRACE_DEFAULT_NS },
      RestartPolicy: { ...RESTART_DEFAULTS, ...stripUndefined(t.RestartPolicy ?? {}) },
    },
    Mode: spec.Mode ?? { Replicated: { Replicas: 1 } },
    UpdateConfig: withConfigDefaults(spec.UpdateConfig, UPDATE_DEFAULTS),
    RollbackConfig: withConfigDefaults(spec.RollbackConfig, ROLLBACK_DEFAULTS),
    EndpointSpec: { ...spec.EndpointSpec, Mode: spec.EndpointSpec?.Mode ?? "vip" },
  };
}

/** A job: restart condition `on-failure` by default (Swarm), the mode's counts filled in, no update or rollback config. */
function jobDefaults(spec: ServiceSpec, job: JobMode): ServiceSpec {
  const t = spec.TaskTemplate;
  const restart = { ...RESTART_DEFAULTS, Condition: "on-failure" as const, ...stripUndefined(t.RestartPolicy ?? {}) };
  const mode = job.kind === "global-job" ? { GlobalJob: {} } : { ReplicatedJob: { MaxConcurrent: job.maxConcurrent, TotalCompletions: job.totalCompletions } };
  return {
    ...spec,
    TaskTemplate: {
      ...t,
      ContainerSpec: { ...t.ContainerSpec, StopGracePeriod: t.ContainerSpec.StopGracePeriod ?? STOP_GRACE_DEFAULT_NS },
      RestartPolicy: restart,
    },
    Mode: mode,
    EndpointSpec: { ...spec.EndpointSpec, Mode: spec.EndpointSpec?.Mode ?? "vip" },
  };
}
