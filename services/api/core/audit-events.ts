import { desiredReplicas, modeName, parseEventSubject, type Actor, type Envelope } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import type { Filters } from "./filters.js";

/* `GET /events` (issue 5): bounds, filters and one-line summaries of events. Pure. */

export const EVENT_FILTERS = ["type", "service", "node", "actor"] as const;
/** At most this many events per request; the answer carries a `next` cursor when more remain. */
export const EVENTS_PAGE = 10_000;

export type Bound = { seq: number } | { time: Date };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Go-style duration (`10m`, `1h30m`, `45s`) in milliseconds, or undefined when it is not one. */
export function parseDurationMs(s: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** `seq:N`, an RFC 3339 time, or a duration meaning "that long before now". `field` names the parameter in errors. */
export function parseBound(raw: string, now: Date, field: string): Bound {
  const v = raw.trim();
  const seq = /^seq:(\d+)$/.exec(v);
  if (seq) return { seq: Number(seq[1]) };
  const d = parseDurationMs(v);
  if (d !== undefined) return { time: new Date(now.getTime() - d) };
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return { time: new Date(t) };
  }
  throw invalidArgument(`${field}: "${raw}" is not a time (RFC 3339), a duration like 10m, or seq:N`);
}

export interface EventObject { kind: string; id: string }
export interface EventRow {
  seq: number;
  time: string;
  type: string;
  object: EventObject;
  actor: Actor;
  summary: string;
}

/** What the listing knows about names: fed by the live projection and by the events read so far. */
export interface Names {
  serviceName(id: string): string | undefined;
  serviceOfTask(taskId: string): string | undefined;
  taskName(taskId: string): string | undefined;
  nodeName(id: string): string | undefined;
  nodeOfTask(taskId: string): string | undefined;
}

const short = (id: string) => id.slice(0, 12);

function svc(names: Names, id: string): string {
  return names.serviceName(id) ?? short(id);
}
function task(names: Names, id: string): string {
  const n = names.taskName(id);
  return n ? `${n}.${short(id)}` : short(id);
}
function node(names: Names, id: string): string {
  return names.nodeName(id) ?? short(id);
}
/** A removed object as its create named it (`web (abc123def456)`); older remove events carry no name. */
function named(name: string | undefined, id: string): string {
  return name === undefined ? short(id) : `${name} (${short(id)})`;
}

/** The short summary of an event: its object and what happened to it. */
export function summarize(e: Envelope, names: Names): string {
  switch (e.type) {
    case "ClusterInitialized": return `cluster ${short(e.data.clusterId)} initialized`;
    case "ClusterUpdated": {
      const d = e.data;
      const parts = [
        ...(d.heartbeatPeriodMs !== undefined ? [`heartbeat ${d.heartbeatPeriodMs} ms`] : []),
        ...(d.taskHistoryLimit !== undefined ? [`task history limit ${d.taskHistoryLimit}`] : []),
        ...(d.controlPlane ? [`control plane ${Object.entries(d.controlPlane).map(([k, v]) => `${k}=${v}`).join(" ")}`] : []),
      ];
      return parts.length ? `cluster updated: ${parts.join(", ")}` : "cluster updated";
    }
    case "ClusterAutolockChanged": return e.data.keyCheck ? `autolock on (unlock key check ${e.data.keyCheck.slice(0, 12)})` : "autolock off";
    case "NodeJoined": return `node ${e.data.name} (${short(e.data.nodeId)}) joined as ${e.data.role}`;
    case "NodeRegistered": return `node ${node(names, e.data.nodeId)} registered from ${e.data.addr} (${e.data.description.hostname})`;
    case "NodeStatusChanged": return `node ${node(names, e.data.nodeId)} ${e.data.state}${e.data.message ? `: ${e.data.message}` : ""}`;
    case "NodeUpdated": return `node ${node(names, e.data.nodeId)} updated (${e.data.role}, ${e.data.availability})`;
    case "NodeRemoved": return `node ${e.data.name ?? node(names, e.data.nodeId)} removed`;
    case "ServiceCreated":
    case "ServiceUpdated": {
      const r = desiredReplicas(e.data.spec);
      const mode = r === undefined ? modeName(e.data.spec) : `${r} replica${r === 1 ? "" : "s"}`;
      const verb = e.type === "ServiceUpdated" ? " updated" : "";
      return `service ${e.data.spec.Name}${verb} (${mode}, ${e.data.spec.TaskTemplate.ContainerSpec.Image})`;
    }
    case "ServiceRemoved": return `service ${e.data.name ?? svc(names, e.data.serviceId)} removed`;
    case "ServiceRollbackRequested": return `service ${svc(names, e.data.serviceId)} rollback requested`;
    case "ServiceUpdateStatusChanged": return `service ${svc(names, e.data.serviceId)} update ${e.data.state}${e.data.message ? `: ${e.data.message}` : ""}`;
    case "ServiceUpdateRolledBack": return `service ${svc(names, e.data.serviceId)} rolled back: ${e.data.message}`;
    case "TaskCreated": return `task ${e.data.serviceName}.${e.data.slot || e.data.nodeId}.${short(e.data.taskId)} created (desired ${e.data.desiredState})`;
    case "TaskDesiredStateChanged": return `task ${task(names, e.data.taskId)} desired ${e.data.desiredState}`;
    case "TaskAssigned": return `task ${task(names, e.data.taskId)} assigned to node ${node(names, e.data.nodeId)}`;
    case "TaskUnschedulable": return `task ${task(names, e.data.taskId)} unschedulable: ${e.data.err}`;
    case "TaskStatusChanged": return `task ${task(names, e.data.taskId)} ${e.data.state}${e.data.err ? ` (${e.data.err})` : ""}`;
    case "TaskDeleted": return `task ${task(names, e.data.taskId)} deleted`;
    // Listings show a batch's members (membersOf); a batch itself reads as its size.
    case "SecretCreated": return `secret ${e.data.name} (${short(e.data.secretId)}) created (${e.data.size} bytes)`;
    case "SecretRotated": return `secret ${short(e.data.secretId)} rotated to version ${e.data.version} (${e.data.size} bytes)`;
    case "SecretRemoved": return `secret ${named(e.data.name, e.data.secretId)} removed`;
    case "ConfigCreated": return `config ${e.data.name} (${short(e.data.configId)}) created (${e.data.size} bytes)`;
    case "ConfigRotated": return `config ${short(e.data.configId)} rotated to version ${e.data.version} (${e.data.size} bytes)`;
    case "ConfigRemoved": return `config ${named(e.data.name, e.data.configId)} removed`;
    case "NetworkCreated": return `network ${e.data.spec.Name} (${short(e.data.networkId)}) created${e.data.spec.Ingress ? " (ingress)" : ""}`;
    case "NetworkRemoved": return `network ${named(e.data.name, e.data.networkId)} removed`;
    case "TasksCreated": return `${e.data.tasks.length} tasks of service ${svc(names, e.data.serviceId)} created`;
    case "TasksAssigned": return `${e.data.assignments.length} tasks assigned`;
    case "TaskStatusesChanged": return `${e.data.changes.length} task status changes`;
    // A type added to the catalogue reads as its type and subject until it gets a summary of its own.
    default: return `${(e as Envelope).type} on ${(e as Envelope).subject}`;
  }
}

export function objectOf(e: Envelope): EventObject {
  const p = parseEventSubject(e.subject);
  return p ?? { kind: "unknown", id: e.subject };
}

/** The service and node an event concerns (ids), for the `service` and `node` filters. */
function related(e: Envelope, names: Names): { service?: string; node?: string } {
  const d = e.data as Record<string, unknown>;
  const taskId = typeof d.taskId === "string" ? d.taskId : undefined;
  const service = typeof d.serviceId === "string" ? d.serviceId : taskId ? names.serviceOfTask(taskId) : undefined;
  const nodeId = typeof d.nodeId === "string" ? d.nodeId : taskId ? names.nodeOfTask(taskId) : undefined;
  return { service, node: nodeId };
}

const idOrName = (v: string, id: string | undefined, name: string | undefined) =>
  id !== undefined && (id === v || (v.length >= 1 && id.startsWith(v)) || name === v);

/** Docker semantics: values of one key OR-ed, keys AND-ed. */
export function eventMatches(e: Envelope, f: Filters, names: Names): boolean {
  const any = (key: string, ok: (v: string) => boolean) => !f.has(key) || f.get(key)!.some(ok);
  const r = related(e, names);
  return any("type", (v) => e.type === v) &&
    any("service", (v) => idOrName(v, r.service, r.service ? names.serviceName(r.service) : undefined)) &&
    any("node", (v) => idOrName(v, r.node, r.node ? names.nodeName(r.node) : undefined) ||
      (e.actor.kind === "node" && idOrName(v, e.actor.id, names.nodeName(e.actor.id)))) &&
    any("actor", (v) => e.actor.id === v || e.actor.id.startsWith(v) || `${e.actor.kind}:${e.actor.id}` === v || e.actor.kind === v);
}

export function eventRow(seq: number, time: Date, e: Envelope, names: Names): EventRow {
  return { seq, time: time.toISOString(), type: e.type, object: objectOf(e), actor: e.actor, summary: summarize(e, names) };
}

/** Remembers names from the events read, falling back to the live projection's. */
export class NameBook implements Names {
  private readonly services = new Map<string, string>();
  private readonly tasks = new Map<string, { service: string; name: string; node?: string }>();
  private readonly nodes = new Map<string, string>();
  constructor(private readonly fallback?: Names) {}

  learn(e: Envelope): void {
    if (e.type === "ServiceCreated" || e.type === "ServiceUpdated") this.services.set(e.data.serviceId, e.data.spec.Name);
    else if (e.type === "NodeJoined") this.nodes.set(e.data.nodeId, e.data.name);
    // A remove names its object, so `service=web` / `node=w1` match it when the create was not read.
    else if (e.type === "ServiceRemoved" && e.data.name !== undefined) this.services.set(e.data.serviceId, e.data.name);
    else if (e.type === "NodeRemoved" && e.data.name !== undefined) this.nodes.set(e.data.nodeId, e.data.name);
    else if (e.type === "TaskCreated") {
      const d = e.data;
      this.tasks.set(d.taskId, { service: d.serviceId, name: `${d.serviceName}.${d.slot || d.nodeId}`, node: d.nodeId });
    } else if (e.type === "TaskAssigned") {
      const t = this.tasks.get(e.data.taskId);
      if (t) this.tasks.set(e.data.taskId, { ...t, node: e.data.nodeId });
    }
  }
  serviceName(id: string) { return this.services.get(id) ?? this.fallback?.serviceName(id); }
  serviceOfTask(id: string) { return this.tasks.get(id)?.service ?? this.fallback?.serviceOfTask(id); }
  taskName(id: string) { return this.tasks.get(id)?.name ?? this.fallback?.taskName(id); }
  nodeName(id: string) { return this.nodes.get(id) ?? this.fallback?.nodeName(id); }
  nodeOfTask(id: string) { return this.tasks.get(id)?.node ?? this.fallback?.nodeOfTask(id); }
}
