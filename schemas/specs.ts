import { z } from "zod";
import { Nanos } from "./primitives.js";
import { CONTAINER_OPTIONS, HEALTH_START_INTERVAL, LogDriver } from "./container-options.js";

/**
 * The service spec, in the Docker Engine API's shape (PascalCase, sparse: defaults are not
 * stored — reference §1). Only what jetswarm implements is accepted; unknown keys are rejected
 * so a user never believes an option took effect when it did not.
 */
const NAME_RE = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;
export const ServiceName = z.string().max(63, "name must be at most 63 characters")
  .regex(NAME_RE, "name must be valid as a DNS name component");

const Labels = z.record(z.string(), z.string());
const EnvVar = z.string().regex(/^[^=]+(=.*)?$/s, "must be KEY=VALUE or KEY");

/** Docker's health check; `Test` like `["CMD-SHELL", "cmd"]`, `["CMD", …]` or `["NONE"]` (`--no-healthcheck`). */
export const Healthcheck = z.strictObject({
  Test: z.array(z.string()).optional(),
  Interval: Nanos.optional(),
  Timeout: Nanos.optional(),
  Retries: z.number().int().nonnegative().optional(),
  StartPeriod: Nanos.optional(),
  ...HEALTH_START_INTERVAL,
});
export type Healthcheck = z.infer<typeof Healthcheck>;

/**
 * Where a secret or config lands in the container (Docker's `File`): its name (a secret under
 * `/run/secrets/`, a config relative to `/` unless absolute), owner and mode (default 0444, as Docker).
 */
export const ReferenceFile = z.strictObject({
  Name: z.string().min(1, "target: required"),
  UID: z.string().regex(/^[0-9]+$/, "uid: must be a decimal number").optional(),
  GID: z.string().regex(/^[0-9]+$/, "gid: must be a decimal number").optional(),
  Mode: z.number().int().min(0).max(0o777, "mode: at most 0777").optional(),
});
export type ReferenceFile = z.infer<typeof ReferenceFile>;

/**
 * A service's use of a secret (Docker's SecretReference, plus jetswarm's versions): the api
 * resolves the name to the id and the current version when the spec is written; `Pinned` (the
 * user wrote `NAME@version`) keeps it there, otherwise `secret rotate` moves the spec to the new
 * version with a rolling update. Tasks carry the version they were created with.
 */
export const SecretReference = z.strictObject({
  File: ReferenceFile.optional(),
  SecretID: z.string().min(1, "SecretID: required"),
  SecretName: z.string().min(1, "SecretName: required"),
  /** The payload version; absent in a request: the api sets the current one, so a stored spec always has it. */
  Version: z.number().int().positive().optional(),
  Pinned: z.boolean().optional(),
});
export type SecretReference = z.infer<typeof SecretReference>;

/** A service's use of a config: as a secret's, its file default target being the config's name at `/`. */
export const ConfigReference = z.strictObject({
  File: ReferenceFile.optional(),
  ConfigID: z.string().min(1, "ConfigID: required"),
  ConfigName: z.string().min(1, "ConfigName: required"),
  Version: z.number().int().positive().optional(),
  Pinned: z.boolean().optional(),
});
export type ConfigReference = z.infer<typeof ConfigReference>;

export const ContainerSpec = z.strictObject({
  Image: z.string({ error: "required" }).min(1, "required"),
  Labels: Labels.optional(),
  Command: z.array(z.string()).optional(),
  Args: z.array(z.string()).optional(),
  Hostname: z.string().optional(),
  Env: z.array(EnvVar).optional(),
  Dir: z.string().optional(),
  User: z.string().optional(),
  StopSignal: z.string().optional(),
  StopGracePeriod: Nanos.optional(),
  Healthcheck: Healthcheck.optional(),
  Secrets: z.array(SecretReference).optional(),
  Configs: z.array(ConfigReference).optional(),
  ...CONTAINER_OPTIONS,
});
export type ContainerSpec = z.infer<typeof ContainerSpec>;

export const RestartPolicy = z.strictObject({
  Condition: z.enum(["none", "on-failure", "any"]).optional(),
  Delay: Nanos.optional(),
  MaxAttempts: z.number().int().nonnegative().optional(),
  Window: Nanos.optional(),
});
export type RestartPolicy = z.infer<typeof RestartPolicy>;

const NANO_CPU_MIN = 1_000_000;
const MEMORY_MIN = 4 * 1024 * 1024;
const ResourceAmounts = z.strictObject({
  NanoCPUs: z.number().int().nonnegative().refine((v) => v === 0 || v >= NANO_CPU_MIN, "must be at least 0.001 CPU").optional(),
  MemoryBytes: z.number().int().nonnegative().refine((v) => v === 0 || v >= MEMORY_MIN, "must be at least 4MiB").optional(),
});
export const Resources = z.strictObject({
  Limits: ResourceAmounts.extend({ Pids: z.number().int().nonnegative().optional() }).optional(),
  Reservations: ResourceAmounts.optional(),
});
export type Resources = z.infer<typeof Resources>;

export const Placement = z.strictObject({
  /** `node.labels.zone==a`, `node.role!=manager`; soft (classic Swarm) `==~` / `!=~`. */
  Constraints: z.array(z.string()).optional(),
  Preferences: z.array(z.strictObject({ Spread: z.strictObject({ SpreadDescriptor: z.string() }) })).optional(),
  Platforms: z.array(z.strictObject({ Architecture: z.string().optional(), OS: z.string().optional() })).optional(),
  MaxReplicas: z.number().int().nonnegative().optional(),
  /** jetswarm extension (classic Swarm's strategies). Default spread. */
  Strategy: z.enum(["spread", "binpack", "random"]).optional(),
});
export type Placement = z.infer<typeof Placement>;

/**
 * A task's attachment to a network (Docker's NetworkAttachmentConfig): `Target` is the network's
 * name or id in a request; the api stores the id. `Aliases`: extra DNS names of the service's tasks
 * on that network (never the service's own name: DESIGN §6b).
 */
export const NetworkAttachmentConfig = z.strictObject({
  Target: z.string().min(1, "network: required"),
  Aliases: z.array(z.string().min(1)).optional(),
  DriverOpts: z.record(z.string(), z.string()).optional(),
});
export type NetworkAttachmentConfig = z.infer<typeof NetworkAttachmentConfig>;

export const TaskSpec = z.strictObject({
  ContainerSpec: ContainerSpec,
  /** The networks the service's tasks attach to (the ingress network is added by the allocator for ingress-published ports). */
  Networks: z.array(NetworkAttachmentConfig).optional(),
  Resources: Resources.optional(),
  RestartPolicy: RestartPolicy.optional(),
  Placement: Placement.optional(),
  ForceUpdate: z.number().int().nonnegative().optional(),
  LogDriver: LogDriver.optional(),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

export const ServiceMode = z.union([
  z.strictObject({ Replicated: z.strictObject({ Replicas: z.number().int().nonnegative().optional() }) }),
  z.strictObject({ Global: z.strictObject({}) }),
  /** A job: tasks run to completion; TotalCompletions defaults to MaxConcurrent, which defaults to 1 (Docker's API). */
  z.strictObject({ ReplicatedJob: z.strictObject({
    MaxConcurrent: z.number().int().nonnegative().optional(),
    TotalCompletions: z.number().int().nonnegative().optional(),
  }) }),
  z.strictObject({ GlobalJob: z.strictObject({}) }),
]);
export type ServiceMode = z.infer<typeof ServiceMode>;

/** Docker's name of the service's mode (`--mode`, the `mode` filter). */
export function modeName(spec: { Mode?: ServiceMode | undefined }): "replicated" | "global" | "replicated-job" | "global-job" {
  const mode = spec.Mode;
  if (!mode || "Replicated" in mode) return "replicated";
  if ("Global" in mode) return "global";
  return "ReplicatedJob" in mode ? "replicated-job" : "global-job";
}

/** A job's shape with Docker's defaults filled in; undefined for a replicated or global service. */
export interface JobMode { kind: "replicated-job" | "global-job"; maxConcurrent: number; totalCompletions: number }
export function jobMode(spec: { Mode?: ServiceMode | undefined }): JobMode | undefined {
  const mode = spec.Mode;
  if (mode && "GlobalJob" in mode) return { kind: "global-job", maxConcurrent: 0, totalCompletions: 0 };
  if (!mode || !("ReplicatedJob" in mode)) return undefined;
  const maxConcurrent = mode.ReplicatedJob.MaxConcurrent || 1;
  return { kind: "replicated-job", maxConcurrent, totalCompletions: mode.ReplicatedJob.TotalCompletions ?? maxConcurrent };
}

export const UpdateConfig = z.strictObject({
  Parallelism: z.number().int().nonnegative().optional(),
  Delay: Nanos.optional(),
  FailureAction: z.enum(["pause", "continue", "rollback"]).optional(),
  Monitor: Nanos.optional(),
  MaxFailureRatio: z.number().min(0, "update-maxfailureratio cannot be less than 0 or bigger than 1")
    .max(1, "update-maxfailureratio cannot be less than 0 or bigger than 1").optional(),
  Order: z.enum(["stop-first", "start-first"]).optional(),
});
export type UpdateConfig = z.infer<typeof UpdateConfig>;

export const PortConfig = z.strictObject({
  Name: z.string().optional(),
  Protocol: z.enum(["tcp", "udp", "sctp"]).optional(),
  TargetPort: z.number().int().min(1).max(65535),
  PublishedPort: z.number().int().min(0).max(65535).optional(),
  PublishMode: z.enum(["ingress", "host"]).optional(),
});
export type PortConfig = z.infer<typeof PortConfig>;
export const EndpointSpec = z.strictObject({
  Mode: z.enum(["vip", "dnsrr"]).optional(),
  Ports: z.array(PortConfig).optional(),
});
export type EndpointSpec = z.infer<typeof EndpointSpec>;

export const ServiceSpec = z.strictObject({
  Name: ServiceName,
  Labels: Labels.optional(),
  TaskTemplate: TaskSpec,
  Mode: ServiceMode.optional(),
  UpdateConfig: UpdateConfig.optional(),
  RollbackConfig: UpdateConfig.optional(),
  EndpointSpec: EndpointSpec.optional(),
});
export type ServiceSpec = z.infer<typeof ServiceSpec>;

/** Replicas a replicated spec asks for (Swarm's default 1); undefined for global services. */
export function desiredReplicas(spec: ServiceSpec): number | undefined {
  const mode = spec.Mode ?? { Replicated: {} };
  if ("Replicated" in mode) return mode.Replicated.Replicas ?? 1;
  return undefined;
}

/** Defaults of reference §0, filled in only for display (`inspect`), never stored. */
export const RESTART_DEFAULTS = { Condition: "any", Delay: 5_000_000_000, MaxAttempts: 0, Window: 0 } as const;
export const STOP_GRACE_DEFAULT_NS = 10_000_000_000;
export const UPDATE_DEFAULTS = {
  Parallelism: 1, Delay: 0, FailureAction: "pause", Monitor: 5_000_000_000, MaxFailureRatio: 0, Order: "stop-first",
} as const;
/** Swarm's rollback config accepts only pause/continue as failure action (CLI). */
export const ROLLBACK_DEFAULTS = UPDATE_DEFAULTS;

/**
 * Limits on what a spec may ask for (defaults; the api and orchestrator take overrides from env
 * `SWARM_MAX_REPLICAS`, `SWARM_MAX_TASKS`). Sizes stay well below NATS' 1 MiB max_payload, since a
 * spec travels whole in ServiceCreated/ServiceUpdated and in every TasksCreated batch.
 */
export const SPEC_LIMITS = {
  /** Replicas of one replicated service. */
  maxReplicas: 10_000,
  /** Tasks the cluster's services ask for together (replicas, plus one per node for a global service). */
  maxClusterTasks: 100_000,
  /** The spec as JSON, bytes. */
  maxSpecBytes: 512 * 1024,
  /** One label, key + value, bytes (UTF-8). */
  maxLabelBytes: 64 * 1024,
  /**
   * Restarts of one service's tasks in a minute before the orchestrator pauses it (each restart
   * appends ≈ 5–6 events: ≈ 600 events a minute at most).
   */
  maxRestartsPerMinute: 100,
} as const;
export interface SpecLimits { maxReplicas: number; maxClusterTasks: number; maxSpecBytes: number; maxLabelBytes: number; maxRestartsPerMinute: number }

/**
 * A `?version=N` query value: a plain decimal integer. `0x5`, `+26`, `028`, `18.0`, `1e3` are
 * refused rather than read as some number the user did not write.
 */
export const QueryVersion = z.string({ error: "version: required" })
  .regex(/^(0|[1-9][0-9]{0,15})$/, "version: must be a non-negative decimal integer")
  .transform(Number).pipe(z.number().int().nonnegative());

const EnvLimit = z.string().regex(/^[1-9][0-9]{0,15}$/, "must be a positive decimal integer").transform(Number);

/** SPEC_LIMITS with `SWARM_MAX_REPLICAS` / `SWARM_MAX_TASKS` / `SWARM_MAX_RESTARTS_PER_MINUTE` from `env` when set; a bad value throws naming it. */
export function specLimitsFrom(env: Record<string, string | undefined>): SpecLimits {
  const read = (name: string, fallback: number): number => {
    const v = env[name];
    if (v === undefined || v === "") return fallback;
    const r = EnvLimit.safeParse(v);
    if (!r.success) throw new Error(`${name}: must be a positive decimal integer, got "${v}"`);
    return r.data;
  };
  return {
    ...SPEC_LIMITS,
    maxReplicas: read("SWARM_MAX_REPLICAS", SPEC_LIMITS.maxReplicas),
    maxClusterTasks: read("SWARM_MAX_TASKS", SPEC_LIMITS.maxClusterTasks),
    maxRestartsPerMinute: read("SWARM_MAX_RESTARTS_PER_MINUTE", SPEC_LIMITS.maxRestartsPerMinute),
  };
}

/** One IPAM pool of a network (Docker's IPAMConfig); addresses as `10.0.1.0/24`, `10.0.1.1`. */
export const IPAMConfig = z.strictObject({
  Subnet: z.string().optional(),
  Gateway: z.string().optional(),
  IPRange: z.string().optional(),
});
export type IPAMConfig = z.infer<typeof IPAMConfig>;

/**
 * A swarm-scoped network as the user asked for it (Docker's NetworkCreateRequest, swarm fields):
 * overlay only. `Options` are driver options (`com.docker.network.driver.mtu`). Defaults are not
 * stored; what the allocator chose (subnet, VNI, …) is in `NetworkAllocated`.
 */
export const NetworkSpec = z.strictObject({
  Name: z.string().min(1, "name: required"),
  Driver: z.literal("overlay", { error: "only the overlay driver is supported for swarm networks" }).optional(),
  Labels: Labels.optional(),
  Internal: z.boolean().optional(),
  Attachable: z.boolean().optional(),
  /** The routing mesh's network: exactly one, `ingress`, created with the cluster. */
  Ingress: z.boolean().optional(),
  IPAM: z.strictObject({
    Driver: z.string().optional(),
    Config: z.array(IPAMConfig).max(1, "at most one IPv4 pool per network").optional(),
    Options: z.record(z.string(), z.string()).optional(),
  }).optional(),
  Options: z.record(z.string(), z.string()).optional(),
});
export type NetworkSpec = z.infer<typeof NetworkSpec>;
