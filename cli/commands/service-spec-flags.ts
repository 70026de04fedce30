import type { Healthcheck, RestartPolicy, ServiceSpec, UpdateConfig } from "../../schemas/index.js";
import { durationFlag } from "./service-duration.js";
import { decimal } from "./decimal.js";

/*
 * Flags shared by `service create` and `service update` (pure): each one the user set is merged into
 * the spec; nothing else is touched, so a spec stays sparse (reference §1). Names are commander's
 * camelCase of the long flag; `healthcheck: false` is `--no-healthcheck`.
 */

export interface SpecFlags {
  stopGracePeriod?: string;
  stopSignal?: string;
  updateParallelism?: string;
  updateDelay?: string;
  updateFailureAction?: string;
  updateMonitor?: string;
  updateMaxFailureRatio?: string;
  updateOrder?: string;
  rollbackParallelism?: string;
  rollbackDelay?: string;
  rollbackFailureAction?: string;
  rollbackMonitor?: string;
  rollbackMaxFailureRatio?: string;
  rollbackOrder?: string;
  restartCondition?: string;
  restartDelay?: string;
  restartMaxAttempts?: string;
  restartWindow?: string;
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthcheck?: boolean;
}

/** `--update-parallelism 2` → 2; anything but a non-negative integer is refused, naming the flag. */
export function parseUint(flag: string, v: string): number {
  const n = decimal(v);
  if (n === undefined) throw new Error(`invalid argument "${v}" for "${flag}" flag: expected a non-negative integer`);
  return n;
}

export function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v)) {
    throw new Error(`invalid argument "${v}" for "${flag}" flag: expected one of ${allowed.join(", ")}`);
  }
  return v as T;
}

function parseRatio(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new Error(`invalid argument "${v}" for "${flag}" flag: expected a number`);
  return n;
}

/** Drops undefined fields; undefined when nothing is left. */
function sparse<T extends object>(o: T): T | undefined {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return Object.keys(out).length ? out : undefined;
}

const opt = <T>(v: string | undefined, f: (v: string) => T): T | undefined => (v === undefined ? undefined : f(v));

function updateConfig(kind: "update" | "rollback", f: SpecFlags, current: UpdateConfig | undefined): UpdateConfig | undefined {
  const g = (k: string) => (f as Record<string, string | undefined>)[`${kind}${k}`];
  const actions = kind === "update" ? (["pause", "continue", "rollback"] as const) : (["pause", "continue"] as const);
  return sparse({
    ...current,
    ...sparse({
      Parallelism: opt(g("Parallelism"), (v) => parseUint(`--${kind}-parallelism`, v)),
      Delay: opt(g("Delay"), (v) => durationFlag(`--${kind}-delay`, v)),
      FailureAction: opt(g("FailureAction"), (v) => oneOf(`--${kind}-failure-action`, v, actions)),
      Monitor: opt(g("Monitor"), (v) => durationFlag(`--${kind}-monitor`, v)),
      MaxFailureRatio: opt(g("MaxFailureRatio"), (v) => parseRatio(`--${kind}-max-failure-ratio`, v)),
      Order: opt(g("Order"), (v) => oneOf(`--${kind}-order`, v, ["stop-first", "start-first"] as const)),
    }),
  });
}

function restartPolicy(f: SpecFlags, current: RestartPolicy | undefined): RestartPolicy | undefined {
  return sparse({
    ...current,
    ...sparse({
      Condition: opt(f.restartCondition, (v) => oneOf("--restart-condition", v, ["none", "on-failure", "any"] as const)),
      Delay: opt(f.restartDelay, (v) => durationFlag("--restart-delay", v)),
      MaxAttempts: opt(f.restartMaxAttempts, (v) => parseUint("--restart-max-attempts", v)),
      Window: opt(f.restartWindow, (v) => durationFlag("--restart-window", v)),
    }),
  });
}

/** docker's health flags: `--no-healthcheck` disables the image's check and conflicts with `--health-*`. */
export function healthcheck(f: SpecFlags, current: Healthcheck | undefined): Healthcheck | undefined {
  const given = [f.healthCmd, f.healthInterval, f.healthTimeout, f.healthRetries, f.healthStartPeriod, f.healthStartInterval].some((v) => v !== undefined);
  if (f.healthcheck === false) {
    if (given) throw new Error("--no-healthcheck conflicts with --health-* options");
    return { Test: ["NONE"] };
  }
  if (!given) return current;
  const base = current?.Test?.[0] === "NONE" ? { ...current, Test: undefined } : current;
  return sparse({
    ...base,
    ...sparse({
      Interval: opt(f.healthInterval, (v) => durationFlag("--health-interval", v)),
      Timeout: opt(f.healthTimeout, (v) => durationFlag("--health-timeout", v)),
      Retries: opt(f.healthRetries, (v) => parseUint("--health-retries", v)),
      StartPeriod: opt(f.healthStartPeriod, (v) => durationFlag("--health-start-period", v)),
      StartInterval: opt(f.healthStartInterval, (v) => durationFlag("--health-start-interval", v)),
    }),
    ...(f.healthCmd !== undefined ? { Test: f.healthCmd ? ["CMD-SHELL", f.healthCmd] : undefined } : {}),
  });
}

/** Applies every shared flag the user set to `spec`; returns a new spec (the input is not mutated). */
export function applySpecFlags(spec: ServiceSpec, f: SpecFlags): ServiceSpec {
  const t = spec.TaskTemplate;
  const c = {
    ...t.ContainerSpec,
    ...sparse({
      StopGracePeriod: opt(f.stopGracePeriod, (v) => durationFlag("--stop-grace-period", v)),
      StopSignal: f.stopSignal,
    }),
  };
  const health = healthcheck(f, c.Healthcheck);
  if (health) c.Healthcheck = health;
  else delete c.Healthcheck;
  const out: ServiceSpec = { ...spec, TaskTemplate: { ...t, ContainerSpec: c } };
  const restart = restartPolicy(f, t.RestartPolicy);
  if (restart) out.TaskTemplate.RestartPolicy = restart;
  const update = updateConfig("update", f, spec.UpdateConfig);
  if (update) out.UpdateConfig = update;
  const rollback = updateConfig("rollback", f, spec.RollbackConfig);
  if (rollback) out.RollbackConfig = rollback;
  return out;
}
