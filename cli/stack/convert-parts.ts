import type { EndpointSpec, Healthcheck, PortConfig, Resources, RestartPolicy, ServiceMode, UpdateConfig } from "../../schemas/index.js";
import type { Dict } from "./normalize.js";
import { ShapeError } from "./normalize.js";
import { parseBytes, parseCpus, parseGoDuration } from "./units.js";

/*
 * The pieces of docker's convert.Service (cli/compose/convert/service.go) that are one field each:
 * durations, health check, restart policy, update config, resources, mode, endpoint, capabilities.
 * Output is sparse (jetswarm stores no defaults): a zero docker would send is left out.
 */

const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

/** Drops undefined values, empty lists and empty mappings: the sparse spec jetswarm stores. */
export function sparse<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || (Array.isArray(v) && v.length === 0) || (isDict(v) && Object.keys(v).length === 0)) continue;
    out[k] = v;
  }
  return out as T;
}

/** Nanoseconds of a duration value at `path`; undefined when absent (docker's zero is absent too). */
export function duration(v: unknown, path: (string | number)[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ns = parseGoDuration(String(v));
  if (ns === undefined) throw new ShapeError(path, `invalid duration ${JSON.stringify(v)}`);
  if (ns < 0) throw new ShapeError(path, "must not be negative");
  return ns === 0 ? undefined : ns;
}

const num = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));

export function convertHealthcheck(h: Dict | undefined): Healthcheck | undefined {
  if (!h) return undefined;
  const test = h.test as string[] | undefined;
  if (h.disable === true) {
    if (test && test.length > 0) throw new ShapeError(["healthcheck"], "test and disable can't be set at the same time");
    return { Test: ["NONE"] };
  }
  return sparse({
    Test: test,
    Interval: duration(h.interval, ["healthcheck", "interval"]),
    Timeout: duration(h.timeout, ["healthcheck", "timeout"]),
    Retries: num(h.retries) || undefined,
    StartPeriod: duration(h.start_period, ["healthcheck", "start_period"]),
    StartInterval: duration(h.start_interval, ["healthcheck", "start_interval"]),
  });
}

/** deploy.restart_policy, else the legacy `restart:` (docker's fallback). */
export function convertRestartPolicy(restart: unknown, policy: Dict | undefined): RestartPolicy | undefined {
  if (policy) {
    return sparse({
      Condition: policy.condition as RestartPolicy["Condition"],
      Delay: duration(policy.delay, ["deploy", "restart_policy", "delay"]),
      MaxAttempts: num(policy.max_attempts),
      Window: duration(policy.window, ["deploy", "restart_policy", "window"]),
    });
  }
  if (restart === undefined || restart === "" || restart === "no") return undefined;
  const m = /^(always|unless-stopped|on-failure)(?::([0-9]+))?$/.exec(String(restart));
  if (!m) {
    throw new ShapeError(["restart"], `invalid restart policy: unknown policy '${String(restart)}' (must be one of 'no', 'always', 'on-failure', or 'unless-stopped')`);
  }
  const attempts = m[2] === undefined ? 0 : Number(m[2]);
  return sparse<RestartPolicy>({ Condition: m[1] === "on-failure" ? "on-failure" : "any", MaxAttempts: attempts > 0 ? attempts : undefined });
}

export function convertUpdateConfig(u: Dict | undefined, key: string): UpdateConfig | undefined {
  if (!u) return undefined;
  return sparse({
    Parallelism: num(u.parallelism) ?? 1,
    Delay: duration(u.delay, ["deploy", key, "delay"]),
    FailureAction: (u.failure_action || undefined) as UpdateConfig["FailureAction"],
    Monitor: duration(u.monitor, ["deploy", key, "monitor"]),
    MaxFailureRatio: num(u.max_failure_ratio) || undefined,
    Order: (u.order || undefined) as UpdateConfig["Order"],
  });
}

function amounts(d: Dict, path: string[]): { NanoCPUs?: number; MemoryBytes?: number } {
  const out: { NanoCPUs?: number; MemoryBytes?: number } = {};
  if (d.cpus !== undefined) {
    const cpus = parseCpus(d.cpus as string);
    if (cpus === undefined) throw new ShapeError([...path, "cpus"], `invalid CPU value ${JSON.stringify(d.cpus)}`);
    if (cpus) out.NanoCPUs = cpus;
  }
  if (d.memory !== undefined) {
    const bytes = parseBytes(d.memory as string);
    if (bytes === undefined) throw new ShapeError([...path, "memory"], `invalid size ${JSON.stringify(d.memory)}`);
    if (bytes) out.MemoryBytes = bytes;
  }
  return out;
}

export function convertResources(r: Dict | undefined): Resources | undefined {
  if (!r) return undefined;
  const out: Resources = {};
  if (isDict(r.limits)) out.Limits = sparse({ ...amounts(r.limits, ["deploy", "resources", "limits"]), Pids: num(r.limits.pids) || undefined });
  if (isDict(r.reservations)) {
    if (r.reservations.generic_resources !== undefined) {
      throw new ShapeError(["deploy", "resources", "reservations", "generic_resources"], "generic resources are not supported by jetswarm");
    }
    out.Reservations = sparse(amounts(r.reservations, ["deploy", "resources", "reservations"]));
  }
  return sparse(out);
}

export function convertMode(mode: unknown, replicas: unknown): ServiceMode {
  const n = num(replicas);
  const noReplicas = (): void => {
    if (n !== undefined) throw new ShapeError(["deploy", "replicas"], "replicas can only be used with replicated or replicated-job mode");
  };
  switch (mode ?? "replicated") {
    case "global": noReplicas(); return { Global: {} };
    case "global-job": noReplicas(); return { GlobalJob: {} };
    case "replicated-job": return { ReplicatedJob: sparse({ MaxConcurrent: n, TotalCompletions: n }) };
    case "replicated": case "": return { Replicated: sparse({ Replicas: n }) };
    default: throw new ShapeError(["deploy", "mode"], `unknown mode: ${String(mode)}`);
  }
}

export function convertEndpoint(endpointMode: unknown, ports: Dict[] | undefined): EndpointSpec {
  const list: PortConfig[] = (ports ?? []).map((p) => sparse({
    Protocol: (p.protocol || undefined) as PortConfig["Protocol"],
    TargetPort: Number(p.target),
    PublishedPort: Number(p.published ?? 0) || undefined,
    PublishMode: (p.mode || undefined) as PortConfig["PublishMode"],
  }));
  list.sort((a, b) => (a.PublishedPort ?? 0) - (b.PublishedPort ?? 0));
  const mode = endpointMode ? String(endpointMode).toLowerCase() as EndpointSpec["Mode"] : undefined;
  return sparse({ Mode: mode, Ports: list });
}

/** docker's EffectiveCapAddCapDrop: `CAP_` prefixed upper-case, ALL wins, an added cap is not dropped. */
export function capabilities(add: string[] = [], drop: string[] = []): { add: string[]; drop: string[] } {
  const norm = (c: string): string => {
    const u = c.trim().toUpperCase();
    return u === "ALL" || u === "RESET" || u.startsWith("CAP_") ? u : `CAP_${u}`;
  };
  let a = new Set(add.map(norm));
  let d = new Set(drop.map(norm));
  if (a.has("ALL")) a = new Set(["ALL"]);
  if (d.has("ALL")) d = new Set(["ALL"]);
  return {
    add: [...a].filter((c) => c !== "RESET").sort(),
    drop: [...d].filter((c) => !a.has(c) && c !== "RESET").sort(),
  };
}

/** `K=V` (or a bare `K`), sorted, as docker sends Env. */
export function convertEnvironment(env: Record<string, string | null> | undefined): string[] {
  return Object.entries(env ?? {}).map(([k, v]) => (v === null ? k : `${k}=${v}`)).sort();
}
