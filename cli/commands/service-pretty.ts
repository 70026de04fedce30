import type { Service } from "../../schemas/api.js";
import { desiredReplicas, jobMode, type UpdateConfig } from "../../schemas/specs.js";
import { ago } from "../output/time.js";
import { GO_TYPE, goTemplate, type GoStruct } from "../output/template.js";
import { formatGoDuration } from "./service-duration.js";
import { SERVICE_PRETTY } from "./pretty-templates.js";

/*
 * `service inspect --pretty`: docker 28's template (pretty-templates.ts) over docker's
 * serviceInspectContext (cli/command/service/formatter.go), built here from the service. Pure.
 * Go's durations print as `10s`; a pointer that is set is true even when it points at 0, so such
 * values are given as text.
 */

/** go-units BytesSize: `64MiB`, `1.5GiB` (4 significant digits). */
export function bytesSize(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/** The Update/Rollback fields of the context, with swarmkit's defaults where the api left one out. */
function configFields(prefix: "Update" | "Rollback", c: UpdateConfig | undefined): Record<string, unknown> {
  if (!c) return { [`Has${prefix}Config`]: false };
  const p = prefix === "Update" ? "Update" : "Rollback";
  return {
    [`Has${p}Config`]: true, [`${p}Parallelism`]: c.Parallelism ?? 1,
    [`Has${p}Delay`]: (c.Delay ?? 0) > 0, [`${p}Delay`]: formatGoDuration(c.Delay ?? 0), [`${p}OnFailure`]: c.FailureAction ?? "pause",
    [`Has${p}Monitor`]: (c.Monitor ?? 0) > 0, [`${p}Monitor`]: formatGoDuration(c.Monitor ?? 0),
    [`${p}MaxFailureRatio`]: c.MaxFailureRatio ?? 0, [`${p}Order`]: c.Order ?? "stop-first",
  };
}

function updateStatusFields(s: Service, now: Date): Record<string, unknown> {
  const u = s.UpdateStatus;
  if (!u?.State) return { HasUpdateStatus: false };
  return {
    HasUpdateStatus: true, UpdateStatusState: u.State, HasUpdateStatusStarted: u.StartedAt !== undefined,
    UpdateStatusStarted: u.StartedAt ? ago(u.StartedAt, now) : "", UpdateIsCompleted: u.State === "completed" && u.CompletedAt !== undefined,
    UpdateStatusCompleted: u.CompletedAt ? ago(u.CompletedAt, now) : "", UpdateStatusMessage: u.Message,
  };
}

/** jetswarm's payload version after a reference's source (`db@2`, `tls@1 (pinned)`): docker has no versions. */
function versionOf(r: { Version?: number; Pinned?: boolean }): string {
  return `${r.Version !== undefined ? `@${r.Version}` : ""}${r.Pinned ? " (pinned)" : ""}`;
}

function containerFields(s: Service): Record<string, unknown> {
  const c = s.Spec.TaskTemplate.ContainerSpec;
  const h = c.Healthcheck;
  return {
    ContainerImage: c.Image, ContainerArgs: c.Args ?? [], ContainerEnv: c.Env ?? [], ContainerWorkDir: c.Dir ?? "",
    HasContainerInit: c.Init !== undefined, ContainerInit: c.Init ?? false, ContainerUser: c.User ?? "",
    HasCapabilities: Boolean(c.CapabilityAdd?.length || c.CapabilityDrop?.length), HasCapabilityAdd: Boolean(c.CapabilityAdd?.length),
    HasCapabilityDrop: Boolean(c.CapabilityDrop?.length), CapabilityAdd: (c.CapabilityAdd ?? []).join(", "), CapabilityDrop: (c.CapabilityDrop ?? []).join(", "),
    ContainerSysCtls: c.Sysctls ?? {}, ContainerUlimits: Object.fromEntries((c.Ulimits ?? []).map((u) => [u.Name, `${u.Soft}:${u.Hard}`])),
    ContainerMounts: (c.Mounts ?? []).map((m) => ({ Target: m.Target, Source: m.Source ?? "", ReadOnly: m.ReadOnly ?? false, Type: m.Type })),
    Configs: (c.Configs ?? []).map((r) => ({ File: { Name: r.File?.Name ?? r.ConfigName }, ConfigName: r.ConfigName + versionOf(r) })),
    Secrets: (c.Secrets ?? []).map((r) => ({ File: { Name: r.File?.Name ?? r.SecretName }, SecretName: r.SecretName + versionOf(r) })),
    Healthcheck: h && {
      Interval: formatGoDuration(h.Interval ?? 0), Retries: h.Retries ?? 0, StartPeriod: formatGoDuration(h.StartPeriod ?? 0),
      Timeout: formatGoDuration(h.Timeout ?? 0), Test: h.Test ?? [],
    },
  };
}

function resourceFields(s: Service): Record<string, unknown> {
  const r = s.Spec.TaskTemplate.Resources;
  const res = r?.Reservations;
  const lim = r?.Limits;
  return {
    HasResources: r !== undefined,
    HasResourceReservations: Boolean(res && ((res.NanoCPUs ?? 0) > 0 || (res.MemoryBytes ?? 0) > 0)),
    ResourceReservationNanoCPUs: (res?.NanoCPUs ?? 0) / 1e9, ResourceReservationMemory: res?.MemoryBytes ? bytesSize(res.MemoryBytes) : "",
    HasResourceLimits: Boolean(lim && ((lim.NanoCPUs ?? 0) > 0 || (lim.MemoryBytes ?? 0) > 0 || (lim.Pids ?? 0) > 0)),
    ResourceLimitsNanoCPUs: (lim?.NanoCPUs ?? 0) / 1e9, ResourceLimitMemory: lim?.MemoryBytes ? bytesSize(lim.MemoryBytes) : "",
    ResourceLimitPids: lim?.Pids ?? 0,
  };
}

/** docker's serviceInspectContext for `s`; `networkNames` maps network ids to names (unknown ones show their id). */
export function serviceInspectContext(s: Service, now: Date, networkNames: ReadonlyMap<string, string> = new Map()): GoStruct {
  const spec = s.Spec;
  const t = spec.TaskTemplate;
  const replicas = jobMode(spec) ? undefined : desiredReplicas(spec);
  const log = t.LogDriver;
  return {
    [GO_TYPE]: "*service.serviceInspectContext",
    ID: s.ID, Name: spec.Name, Labels: spec.Labels ?? {},
    IsModeGlobal: !jobMode(spec) && replicas === undefined, IsModeReplicated: replicas !== undefined,
    ModeReplicatedReplicas: replicas === undefined ? undefined : String(replicas),
    ...updateStatusFields(s, now),
    TaskPlacementConstraints: t.Placement?.Constraints ?? [],
    TaskPlacementPreferences: (t.Placement?.Preferences ?? []).map((p) => `spread=${p.Spread.SpreadDescriptor}`),
    MaxReplicas: t.Placement?.MaxReplicas ?? 0,
    ...configFields("Update", spec.UpdateConfig), ...configFields("Rollback", spec.RollbackConfig),
    ...containerFields(s),
    HasLogDriver: log !== undefined, HasLogDriverName: Boolean(log?.Name), LogDriverName: log?.Name ?? "", LogOpts: log?.Options ?? {},
    ...resourceFields(s),
    Networks: (t.Networks ?? []).map((n) => networkNames.get(n.Target) ?? n.Target),
    EndpointMode: spec.EndpointSpec?.Mode ?? "",
    Ports: (s.Endpoint?.Ports ?? []).map((p) => ({
      PublishedPort: p.PublishedPort ?? 0, Protocol: p.Protocol ?? "tcp", TargetPort: p.TargetPort, PublishMode: p.PublishMode ?? "ingress",
    })),
  };
}

const servicePretty = goTemplate(SERVICE_PRETTY);

/**
 * What docker's `service inspect --pretty` writes for one service: the template (a blank line
 * first) and the newline docker's formatter adds after each object, so a blank line last.
 */
export function prettyService(s: Service, now: Date, networkNames: ReadonlyMap<string, string> = new Map()): string {
  return servicePretty.execute(serviceInspectContext(s, now, networkNames)) + "\n";
}
