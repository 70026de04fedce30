import type { Service, Task } from "../../schemas/api.js";
import { desiredReplicas, jobMode, modeName, RESTART_DEFAULTS } from "../../schemas/index.js";
import { shortId, titleCase } from "../output/table.js";
import { humanDuration } from "../output/time.js";
import { maxPerNodeSuffix } from "./service-placement-flags.js";

/* Pure row builders for `service ls` and `service ps` (docker/cli formatter semantics). */

/** `busybox:1@sha256:…` → `busybox:1` */
export function imageOf(image: string): string {
  return image.split("@")[0]!;
}

export function serviceRows(services: Service[]): string[][] {
  return [...services]
    .sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name))
    .map((s) => {
      const st = s.ServiceStatus ?? { RunningTasks: 0, DesiredTasks: desiredReplicas(s.Spec) ?? 0 };
      return [shortId(s.ID), s.Spec.Name, modeName(s.Spec).replace("-", " "), `${st.RunningTasks}/${st.DesiredTasks}${jobSuffix(s)}${maxPerNodeSuffix(s.Spec)}`,
        imageOf(s.Spec.TaskTemplate.ContainerSpec.Image), servicePorts(s)];
    });
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

/** `web.2`, or `web.<node id>` for a global task (slot 0). */
export function taskName(t: Task): string {
  return `${t.ServiceName}.${t.Slot === 0 && t.NodeID ? t.NodeID : t.Slot}`;
}

/**
 * `service ps` rows: grouped by service and slot, newest first; older tasks of a slot are history
 * rows named ` \_ <svc>.<slot>`. NODE shows the node's host name.
 */
/** `*:8080->80/tcp` for each host-mode port bound to the task (as `docker service ps` shows them). */
export function portsCell(t: Task): string {
  return (t.Status.PortStatus?.Ports ?? []).map((p) => `*:${p.PublishedPort}->${p.TargetPort}/${p.Protocol ?? "tcp"}`).join(",");
}

export function psRows(tasks: Task[], nodeNames: Map<string, string>, now: Date, noTrunc = false): string[][] {
  const sorted = [...tasks].sort((a, b) =>
    a.ServiceName.localeCompare(b.ServiceName) || a.ServiceID.localeCompare(b.ServiceID) ||
    a.Slot - b.Slot || (a.NodeID ?? "").localeCompare(b.NodeID ?? "") || b.CreatedAt.localeCompare(a.CreatedAt));
  let prev = "";
  return sorted.map((t) => {
    const name = taskName(t);
    const shown = name === prev ? ` \\_ ${name}` : name;
    prev = name;
    const since = humanDuration(Math.max(0, now.getTime() - new Date(t.Status.Timestamp).getTime())).toLowerCase();
    return [
      shortId(t.ID, noTrunc), shown, imageOf(t.Spec.ContainerSpec.Image),
      t.NodeID ? nodeNames.get(t.NodeID) ?? t.NodeID : "",
      titleCase(t.DesiredState), `${titleCase(t.Status.State)} ${since} ago`, errorCell(t.Status.Err ?? restartNote(t, now), noTrunc), portsCell(t),
    ];
  });
}
