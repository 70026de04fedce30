import type { api } from "../../../schemas/index.js";
import { desiredReplicas, modeName } from "../../../schemas/index.js";

/* `swarm audit diff`: what changed between two points of the log, from the api views then. Pure. */

/** The cluster after event `seq`; `time` is when that event was stored (absent at seq 0). */
export interface AuditSnapshot { seq: number; time?: string; services: api.Service[]; tasks: api.Task[]; nodes: api.Node[] }

export interface Change {
  /** `service`, `tasks`, `node` */
  kind: string;
  /** The object's name (or id). */
  name: string;
  change: string;
}

/** `3` replicas, or the mode (`global`, `replicated-job`, `global-job`). */
const replicasOf = (s: api.Service) => String(desiredReplicas(s.Spec) ?? modeName(s.Spec));
const modeOf = (s: api.Service) => {
  const r = desiredReplicas(s.Spec);
  return r === undefined ? modeName(s.Spec) : `${r} replica${r === 1 ? "" : "s"}`;
};
const imageOf = (s: api.Service) => s.Spec.TaskTemplate.ContainerSpec.Image;

function serviceChanges(a: api.Service[], b: api.Service[]): Change[] {
  const before = new Map(a.map((s) => [s.ID, s]));
  const after = new Map(b.map((s) => [s.ID, s]));
  const out: Change[] = [];
  for (const s of b) {
    const old = before.get(s.ID);
    if (!old) {
      out.push({ kind: "service", name: s.Spec.Name, change: `created (${modeOf(s)}, ${imageOf(s)})` });
      continue;
    }
    const parts: string[] = [];
    if (replicasOf(old) !== replicasOf(s)) parts.push(`replicas ${replicasOf(old)} → ${replicasOf(s)}`);
    if (imageOf(old) !== imageOf(s)) parts.push(`image ${imageOf(old)} → ${imageOf(s)}`);
    if (!parts.length && old.Version.Index !== s.Version.Index) parts.push("spec or status changed");
    if (parts.length) out.push({ kind: "service", name: s.Spec.Name, change: `updated: ${parts.join(", ")}` });
  }
  for (const s of a) if (!after.has(s.ID)) out.push({ kind: "service", name: s.Spec.Name, change: "removed" });
  return out;
}

/** `{running: 3, shutdown: 1}` per service name. */
function taskCounts(tasks: api.Task[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const t of tasks) {
    const m = out.get(t.ServiceName) ?? new Map<string, number>();
    m.set(t.Status.State, (m.get(t.Status.State) ?? 0) + 1);
    out.set(t.ServiceName, m);
  }
  return out;
}

const countText = (m: Map<string, number> | undefined) =>
  m && m.size ? [...m].sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => `${k} ${v}`).join(", ") : "none";

function taskChanges(a: api.Task[], b: api.Task[]): Change[] {
  const before = taskCounts(a);
  const after = taskCounts(b);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  return names
    .map((n) => ({ n, from: countText(before.get(n)), to: countText(after.get(n)) }))
    .filter((x) => x.from !== x.to)
    .map((x) => ({ kind: "tasks", name: x.n, change: `${x.from} → ${x.to}` }));
}

function nodeChanges(a: api.Node[], b: api.Node[]): Change[] {
  const before = new Map(a.map((n) => [n.ID, n]));
  const after = new Map(b.map((n) => [n.ID, n]));
  const out: Change[] = [];
  const show = (n: api.Node) => `${n.Status.State}/${n.Spec.Availability}/${n.Spec.Role}`;
  for (const n of b) {
    const old = before.get(n.ID);
    if (!old) out.push({ kind: "node", name: n.Spec.Name, change: `joined (${show(n)})` });
    else if (show(old) !== show(n)) out.push({ kind: "node", name: n.Spec.Name, change: `${show(old)} → ${show(n)}` });
  }
  for (const n of a) if (!after.has(n.ID)) out.push({ kind: "node", name: n.Spec.Name, change: "removed" });
  return out;
}

export function auditDiff(from: AuditSnapshot, to: AuditSnapshot): Change[] {
  return [...serviceChanges(from.services, to.services), ...taskChanges(from.tasks, to.tasks), ...nodeChanges(from.nodes, to.nodes)];
}
