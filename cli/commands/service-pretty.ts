import type { Service } from "../../schemas/api.js";
import { desiredReplicas, jobMode, type Resources, type UpdateConfig } from "../../schemas/index.js";
import { ago } from "../output/time.js";
import { formatGoDuration } from "./service-duration.js";

/* `service inspect --pretty` in docker's layout (cli/command/service/formatter.go), pure. */

function configLines(title: string, c: UpdateConfig | undefined, orderLabel: string): string[] {
  if (!c) return [];
  const out = [`${title}:`, ` Parallelism:\t${c.Parallelism ?? 1}`];
  if (c.Delay) out.push(` Delay:\t\t${formatGoDuration(c.Delay)}`);
  out.push(` On failure:\t${c.FailureAction ?? "pause"}`);
  if (c.Monitor) out.push(` Monitoring Period: ${formatGoDuration(c.Monitor)}`);
  out.push(` Max failure ratio: ${c.MaxFailureRatio ?? 0}`, ` ${orderLabel}${c.Order ?? "stop-first"}`);
  return out;
}

/** go-units BytesSize: `64MiB`, `1.5GiB`. */
export function bytesSize(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${Number(v.toFixed(4))}${units[i]}`;
}

function resourceLines(r: Resources | undefined): string[] {
  const block = (title: string, a: { NanoCPUs?: number; MemoryBytes?: number } | undefined) => {
    if (!a || (!a.NanoCPUs && !a.MemoryBytes)) return [];
    const out = [` ${title}:`];
    if (a.NanoCPUs) out.push(`  CPU:\t\t${a.NanoCPUs / 1e9}`);
    if (a.MemoryBytes) out.push(`  Memory:\t${bytesSize(a.MemoryBytes)}`);
    return out;
  };
  const body = [...block("Reservations", r?.Reservations), ...block("Limits", r?.Limits)];
  if (r?.Limits?.Pids) body.push(`  PIDs:\t\t${r.Limits.Pids}`);
  return body.length ? ["Resources:", ...body] : [];
}

/** Docker prints the update's times as human durations before now (`2 minutes ago`). */
function updateStatusLines(s: Service, now: Date): string[] {
  const u = s.UpdateStatus;
  if (!u) return [];
  const out = ["UpdateStatus:", ` State:\t\t${u.State}`];
  if (u.StartedAt) out.push(` Started:\t${ago(u.StartedAt, now)}`);
  if (u.CompletedAt) out.push(` Completed:\t${ago(u.CompletedAt, now)}`);
  out.push(` Message:\t${u.Message}`);
  return out;
}

function containerLines(s: Service): string[] {
  const c = s.Spec.TaskTemplate.ContainerSpec;
  const out = ["ContainerSpec:", ` Image:\t\t${c.Image}`];
  if (c.Args?.length) out.push(` Args:\t\t${c.Args.join(" ")}`);
  if (c.Env?.length) out.push(` Env:\t\t${c.Env.join(" ")}`);
  if (c.Dir) out.push(` Dir:\t\t${c.Dir}`);
  if (c.Init !== undefined) out.push(` Init:\t\t${c.Init}`);
  if (c.User) out.push(` User: ${c.User}`);
  if (c.StopGracePeriod !== undefined) out.push(` Stop grace period: ${formatGoDuration(c.StopGracePeriod)}`);
  if (c.StopSignal) out.push(` Stop signal: ${c.StopSignal}`);
  const h = c.Healthcheck;
  if (h) {
    out.push(" Healthcheck:");
    if (h.Test) out.push(`  Test:\t\t${h.Test.join(" ")}`);
    if (h.Interval !== undefined) out.push(`  Interval:\t${formatGoDuration(h.Interval)}`);
    if (h.Timeout !== undefined) out.push(`  Timeout:\t${formatGoDuration(h.Timeout)}`);
    if (h.Retries !== undefined) out.push(`  Retries:\t${h.Retries}`);
    if (h.StartPeriod !== undefined) out.push(`  Start period:\t${formatGoDuration(h.StartPeriod)}`);
  }
  return [...out, ...referenceLines("Secrets", c.Secrets?.map((r) => ({ target: r.File?.Name ?? r.SecretName, source: r.SecretName, ...r }))),
    ...referenceLines("Configs", c.Configs?.map((r) => ({ target: r.File?.Name ?? r.ConfigName, source: r.ConfigName, ...r })))];
}

/** docker's Capabilities, Mounts and Log Driver blocks (formatter.go), after the ContainerSpec. */
function optionLines(s: Service): string[] {
  const c = s.Spec.TaskTemplate.ContainerSpec;
  const out: string[] = [];
  if (c.CapabilityAdd?.length || c.CapabilityDrop?.length) {
    out.push("Capabilities:");
    if (c.CapabilityAdd?.length) out.push(` Add: ${c.CapabilityAdd.join(", ")}`);
    if (c.CapabilityDrop?.length) out.push(` Drop: ${c.CapabilityDrop.join(", ")}`);
  }
  if (c.Mounts?.length) out.push("Mounts:");
  for (const m of c.Mounts ?? []) {
    out.push(` Target:\t${m.Target}`, `  Source:\t${m.Source ?? ""}`, `  ReadOnly:\t${m.ReadOnly ?? false}`, `  Type:\t\t${m.Type}`);
  }
  const log = s.Spec.TaskTemplate.LogDriver;
  if (log) {
    out.push("Log Driver:", ` Name:\t\t${log.Name}`);
    const opts = Object.entries(log.Options ?? {});
    if (opts.length) out.push(" LogOpts:", ...opts.map(([k, v]) => `  ${k}:\t${v}`));
  }
  return out;
}

/** docker's ` Secrets:` block (Target, Source), the source with jetswarm's `@version` (pinned or current). */
function referenceLines(title: string, refs: { target: string; source: string; Version?: number; Pinned?: boolean }[] | undefined): string[] {
  if (!refs?.length) return [];
  return [` ${title}:`, ...refs.flatMap((r) => [
    `  Target:\t${r.target}`,
    `   Source:\t${r.source}${r.Version !== undefined ? `@${r.Version}` : ""}${r.Pinned ? " (pinned)" : ""}`,
  ])];
}

/** docker's ` Networks:` line: the attached networks' names (ids when unknown), then Endpoint Mode and the allocated Ports. */
function endpointLines(s: Service, networkNames: ReadonlyMap<string, string>): string[] {
  const nets = s.Spec.TaskTemplate.Networks ?? [];
  const lines = nets.length ? [`Networks:${nets.map((n) => ` ${networkNames.get(n.Target) ?? n.Target}`).join("")} `] : [];
  lines.push(`Endpoint Mode:\t${s.Spec.EndpointSpec?.Mode ?? "vip"}`);
  // The allocated ports (published ports filled in) once there, else the spec's.
  const ports = s.Endpoint?.Ports ?? s.Spec.EndpointSpec?.Ports ?? [];
  if (ports.length) lines.push("Ports:");
  for (const port of ports) {
    lines.push(` PublishedPort = ${port.PublishedPort ?? 0}`, `  Protocol = ${port.Protocol ?? "tcp"}`,
      `  TargetPort = ${port.TargetPort}`, `  PublishMode = ${port.PublishMode ?? "ingress"}`);
  }
  return lines;
}

export function prettyService(s: Service, now: Date, networkNames: ReadonlyMap<string, string> = new Map()): string {
  const spec = s.Spec;
  const replicas = desiredReplicas(spec);
  const lines = [`ID:\t\t${s.ID}`, `Name:\t\t${spec.Name}`];
  const labels = Object.entries(spec.Labels ?? {});
  if (labels.length) lines.push("Labels:", ...labels.map(([k, v]) => ` ${k}${v ? `=${v}` : ""}`));
  const job = jobMode(spec);
  if (job?.kind === "replicated-job") lines.push("Service Mode:\tReplicated job", ` Max Concurrent:\t${job.maxConcurrent}`, ` Total Completions:\t${job.totalCompletions}`);
  else if (job) lines.push("Service Mode:\tGlobal job");
  else if (replicas === undefined) lines.push("Service Mode:\tGlobal");
  else lines.push("Service Mode:\tReplicated", ` Replicas:\t${replicas}`);
  lines.push(...updateStatusLines(s, now));
  const p = spec.TaskTemplate.Placement;
  lines.push("Placement:");
  if (p?.Constraints?.length) lines.push(` Constraints:\t[${p.Constraints.join(" ")}]`);
  if (p?.Preferences?.length) lines.push(` Preferences:   [${p.Preferences.map((x) => `{{${x.Spread.SpreadDescriptor}}}`).join(" ")}]`);
  if (p?.MaxReplicas) lines.push(` Max Replicas Per Node:   ${p.MaxReplicas}`);
  if (p?.Strategy) lines.push(` Strategy:\t${p.Strategy}`);
  lines.push(...configLines("UpdateConfig", spec.UpdateConfig, "Update order:      "));
  lines.push(...configLines("RollbackConfig", spec.RollbackConfig, "Rollback order:    "));
  lines.push(...containerLines(s), ...optionLines(s));
  lines.push(...resourceLines(spec.TaskTemplate.Resources));
  const r = spec.TaskTemplate.RestartPolicy;
  if (r) {
    lines.push("Restart Policy:", ` Condition:\t${r.Condition ?? "any"}`);
    if (r.Delay !== undefined) lines.push(` Delay:\t\t${formatGoDuration(r.Delay)}`);
    lines.push(` Max attempts:\t${r.MaxAttempts ?? 0}`);
    if (r.Window !== undefined) lines.push(` Window:\t${formatGoDuration(r.Window)}`);
  }
  lines.push(...endpointLines(s, networkNames));
  return lines.join("\n");
}
