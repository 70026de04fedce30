import type { Service, Task } from "../../schemas/api.js";
import { desiredReplicas } from "../../schemas/index.js";
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
      const global = desiredReplicas(s.Spec) === undefined;
      const st = s.ServiceStatus ?? { RunningTasks: 0, DesiredTasks: desiredReplicas(s.Spec) ?? 0 };
      return [shortId(s.ID), s.Spec.Name, global ? "global" : "replicated", `${st.RunningTasks}/${st.DesiredTasks}${maxPerNodeSuffix(s.Spec)}`,
        imageOf(s.Spec.TaskTemplate.ContainerSpec.Image), ""];
    });
}

const MAX_ERR = 30;

/** `"task: non-zero exit (1)"`, cut to 30 characters with `…` unless `noTrunc`; empty stays empty. */
export function errorCell(err: string | undefined, noTrunc: boolean): string {
  if (!err) return "";
  const e = !noTrunc && err.length > MAX_ERR ? err.slice(0, MAX_ERR - 1) + "…" : err;
  return `"${e}"`;
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
      titleCase(t.DesiredState), `${titleCase(t.Status.State)} ${since} ago`, errorCell(t.Status.Err, noTrunc), portsCell(t),
    ];
  });
}
