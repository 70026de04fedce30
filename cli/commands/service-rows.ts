import type { Service, Task } from "../../schemas/api.js";
import { desiredReplicas, jobMode, modeName, RESTART_DEFAULTS } from "../../schemas/specs.js";
import { humanDuration } from "../../schemas/human-duration.js";
import { shortId, titleCase } from "../output/table.js";
import { GO_TYPE, type GoStruct } from "../output/template.js";
import { maxPerNodeSuffix } from "./service-placement-flags.js";

/*
 * Pure row contexts for `service ls` and `service ps` (docker/cli's service and task formatters:
 * the same fields feed the default table, `--format` and `-q`).
 */

/**
 * docker's image display: a tagged reference loses its digest (`busybox:1@sha256:…` → `busybox:1`),
 * `docker.io/library/` is dropped; a digest-only reference stays as it is.
 */
export function imageOf(image: string): string {
  const at = image.indexOf("@");
  const named = at < 0 ? image : image.slice(0, at);
  const tagged = /:[^/]+$/.test(named);
  const shown = at >= 0 && !tagged ? image : named;
  return shown.replace(/^(docker\.io\/)?library\/(?=[^/]+$)/, "").replace(/^docker\.io\//, "");
}

export const SERVICE_HEADERS = { ID: "ID", Name: "NAME", Mode: "MODE", Replicas: "REPLICAS", Image: "IMAGE", Ports: "PORTS" };
export const SERVICE_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}";

/** docker's `service ls` row context (`.ID` is the 12-character short id, also for `-q`). */
export function serviceContext(s: Service): GoStruct {
  const st = s.ServiceStatus ?? { RunningTasks: 0, DesiredTasks: desiredReplicas(s.Spec) ?? 0 };
  return {
    [GO_TYPE]: "*service.serviceContext",
    ID: shortId(s.ID), Name: s.Spec.Name, Mode: modeName(s.Spec).replace("-", " "),
    Replicas: `${st.RunningTasks}/${st.DesiredTasks}${jobSuffix(s)}${maxPerNodeSuffix(s.Spec)}`,
    Image: imageOf(s.Spec.TaskTemplate.ContainerSpec.Image), Ports: servicePorts(s),
  };
}

/** Services in docker's order (by name, numbers compared as numbers). */
export function sortServices(services: Service[]): Service[] {
  return [...services].sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name, undefined, { numeric: true }));
}

export function serviceRows(services: Service[]): string[][] {
  return sortServices(services).map((s) => Object.keys(SERVICE_HEADERS).map((k) => String(serviceContext(s)[k])));
}

/** docker's REPLICAS of a job: ` (completed/total completed)`; a global job's total is its desired tasks. */
function jobSuffix(s: Service): string {
  const job = jobMode(s.Spec);
  if (!job) return "";
  const st = s.ServiceStatus;
  const total = job.kind === "replicated-job" ? job.totalCompletions : st?.DesiredTasks ?? 0;
  return ` (${st?.CompletedTasks ?? 0}/${total} completed)`;
}

/**
 * `service ls` PORTS (docker/cli formatter/service.go): the allocated ingress ports, sorted by
 * protocol then published port, consecutive ones joined into ranges (`*:8080-8081->80-81/tcp`);
 * host-mode ports are not shown here (`service ps` shows them per task).
 */
export function servicePorts(s: Pick<Service, "Endpoint">): string {
  const ports = (s.Endpoint?.Ports ?? [])
    .filter((p) => (p.PublishMode ?? "ingress") === "ingress" && p.PublishedPort)
    .map((p) => ({ pub: p.PublishedPort!, tgt: p.TargetPort, proto: p.Protocol ?? "tcp" }))
    .sort((a, b) => (a.proto === b.proto ? a.pub - b.pub : a.proto < b.proto ? -1 : 1));
  const out: string[] = [];
  let r: { p0: number; p1: number; t0: number; t1: number; proto: string } | undefined;
  const show = (x: NonNullable<typeof r>) =>
    `*:${x.p1 > x.p0 ? `${x.p0}-${x.p1}` : x.p0}->${x.t1 > x.t0 ? `${x.t0}-${x.t1}` : x.t0}/${x.proto}`;
  for (const p of ports) {
    const continues = r && p.proto === r.proto && p.pub - r.p1 === 1 && p.tgt - r.t1 === 1;
    if (r && continues) {
      r.p1 = p.pub;
      r.t1 = p.tgt;
      continue;
    }
    if (r) out.push(show(r));
    r = { p0: p.pub, p1: p.pub, t0: p.tgt, t1: p.tgt, proto: p.proto };
  }
  if (r) out.push(show(r));
  return out.join(", ");
}

const MAX_ERR = 30;

/** `"task: non-zero exit (1)"`, cut to 30 characters with `…` unless `noTrunc`; empty stays empty. */
export function errorCell(err: string | undefined, noTrunc: boolean): string {
  if (!err) return "";
  const e = !noTrunc && err.length > MAX_ERR ? err.slice(0, MAX_ERR - 1) + "…" : err;
  return `"${e}"`;
}

/** `40s`, `2m30s`, `5m` */
function shortDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
}

/**
 * A held restart replacement still in its delay: `restarting in 40s (back-off after 4 failures)`.
 * The failure count is read from the back-off it was created with (Delay × 2^(n−1), the
 * orchestrator's rule), so no field beyond RestartAt is needed.
 */
export function restartNote(t: Task, now: Date): string | undefined {
  if (!t.RestartAt || t.DesiredState !== "ready") return undefined;
  const left = Date.parse(t.RestartAt) - now.getTime();
  if (left <= 0) return undefined;
  const delayMs = (t.Spec.RestartPolicy?.Delay ?? RESTART_DEFAULTS.Delay) / 1e6;
  const held = Date.parse(t.RestartAt) - Date.parse(t.CreatedAt);
  const failures = delayMs > 0 && held >= 1.5 * delayMs ? Math.round(Math.log2(held / delayMs)) + 1 : 1;
  return `restarting in ${shortDuration(left)}${failures > 1 ? ` (back-off after ${failures} failures)` : ""}`;
}

/** `web.2`, or `web.<node id>` for a global task (slot 0); `service` is the service's name, or its id with --no-resolve. */
export function taskName(t: Task, service: string = t.ServiceName): string {
  return `${service}.${t.Slot === 0 && t.NodeID ? t.NodeID : t.Slot}`;
}

/** `*:8080->80/tcp` for each host-mode port bound to the task (as `docker service ps` shows them). */
export function portsCell(t: Task): string {
  return (t.Status.PortStatus?.Ports ?? []).map((p) => `*:${p.PublishedPort}->${p.TargetPort}/${p.Protocol ?? "tcp"}`).join(",");
}

export const TASK_HEADERS = {
  ID: "ID", Name: "NAME", Image: "IMAGE", Node: "NODE", DesiredState: "DESIRED STATE", CurrentState: "CURRENT STATE", Error: "ERROR", Ports: "PORTS",
};
export const TASK_TABLE = "table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}";

/** How `service ps` / `node ps` show tasks: docker's --no-trunc, --no-resolve, and whether older tasks are indented (tables only). */
export interface TaskView { noTrunc?: boolean; noResolve?: boolean; indent?: boolean }

/**
 * docker's task row contexts, in its order: by task name (service and slot), newest first; older
 * tasks of a slot are history rows ` \_ <svc>.<slot>` in tables. `nodeNames` maps a node id to
 * what docker's id resolver shows (the node's name, else its hostname); with --no-resolve the
 * NODE is the node's id and the NAME starts with the service's id.
 */
export function taskContexts(tasks: Task[], nodeNames: ReadonlyMap<string, string>, now: Date, v: TaskView = {}): GoStruct[] {
  const svc = (t: Task) => (v.noResolve ? t.ServiceID : t.ServiceName);
  const sorted = [...tasks].sort((a, b) =>
    svc(a).localeCompare(svc(b), undefined, { numeric: true }) || a.ServiceID.localeCompare(b.ServiceID) ||
    a.Slot - b.Slot || (a.NodeID ?? "").localeCompare(b.NodeID ?? "") || b.CreatedAt.localeCompare(a.CreatedAt));
  let prev = "";
  return sorted.map((t) => {
    const name = taskName(t, svc(t));
    const shown = name === prev && v.indent !== false ? ` \\_ ${name}` : name;
    prev = name;
    const since = humanDuration(Math.max(0, now.getTime() - new Date(t.Status.Timestamp).getTime())).toLowerCase();
    const node = t.NodeID ? (v.noResolve ? t.NodeID : nodeNames.get(t.NodeID) ?? t.NodeID) : "";
    return {
      [GO_TYPE]: "*task.taskContext",
      ID: shortId(t.ID, v.noTrunc), Name: shown, Image: v.noTrunc ? t.Spec.ContainerSpec.Image : imageOf(t.Spec.ContainerSpec.Image), Node: node,
      DesiredState: titleCase(t.DesiredState), CurrentState: `${titleCase(t.Status.State)} ${since} ago`,
      Error: errorCell(t.Status.Err ?? restartNote(t, now), v.noTrunc ?? false), Ports: portsCell(t),
    };
  });
}

/** The default `service ps` table's cells (also `swarm audit state`'s). */
export function psRows(tasks: Task[], nodeNames: ReadonlyMap<string, string>, now: Date, noTrunc = false): string[][] {
  return taskContexts(tasks, nodeNames, now, { noTrunc, indent: true }).map((c) => Object.keys(TASK_HEADERS).map((k) => String(c[k])));
}
