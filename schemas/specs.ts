import { z } from "zod";
import { Nanos } from "./primitives.js";

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
});
export type ContainerSpec = z.infer<typeof ContainerSpec>;

export const RestartPolicy = z.strictObject({
  Condition: z.enum(["none", "on-failure", "any"]).optional(),
  Delay: Nanos.optional(),
  MaxAttempts: z.number().int().nonnegative().optional(),
  Window: Nanos.optional(),
});
export type RestartPolicy = z.infer<typeof RestartPolicy>;

export const TaskSpec = z.strictObject({
  ContainerSpec: ContainerSpec,
  RestartPolicy: RestartPolicy.optional(),
  ForceUpdate: z.number().int().nonnegative().optional(),
});
export type TaskSpec = z.infer<typeof TaskSpec>;

export const ServiceMode = z.union([
  z.strictObject({ Replicated: z.strictObject({ Replicas: z.number().int().nonnegative().optional() }) }),
  z.strictObject({ Global: z.strictObject({}) }),
]);
export type ServiceMode = z.infer<typeof ServiceMode>;

export const ServiceSpec = z.strictObject({
  Name: ServiceName,
  Labels: Labels.optional(),
  TaskTemplate: TaskSpec,
  Mode: ServiceMode.optional(),
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
