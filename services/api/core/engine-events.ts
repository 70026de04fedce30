import type { Envelope } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import type { Filters } from "./filters.js";

/*
 * Docker's `GET /events` for swarm objects, from jetswarm's log: which log events Docker reports
 * (swarmkit's store events: an object created, updated, removed), as Docker's message
 * `{Type, Action, Actor: {ID, Attributes: {name}}, scope: "swarm", time, timeNano}`, and
 * Docker's event filters. Pure.
 */

export type EngineEventType = "service" | "node" | "secret" | "config" | "network";
type Action = "create" | "update" | "remove";

export interface EngineEvent {
  Type: EngineEventType;
  Action: Action;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: "swarm";
  time: number;
  timeNano: number;
}

/** Log event type → Docker's type and action; events not listed (tasks, allocations, cluster) are not Docker's. */
const MAPPED: Record<string, [EngineEventType, Action, idField: string]> = {
  ServiceCreated: ["service", "create", "serviceId"],
  ServiceUpdated: ["service", "update", "serviceId"],
  ServiceRollbackRequested: ["service", "update", "serviceId"],
  ServiceUpdateStatusChanged: ["service", "update", "serviceId"],
  ServiceUpdateRolledBack: ["service", "update", "serviceId"],
  ServiceRemoved: ["service", "remove", "serviceId"],
  NodeJoined: ["node", "create", "nodeId"],
  NodeRegistered: ["node", "update", "nodeId"],
  NodeStatusChanged: ["node", "update", "nodeId"],
  NodeUpdated: ["node", "update", "nodeId"],
  NodeRemoved: ["node", "remove", "nodeId"],
  SecretCreated: ["secret", "create", "secretId"],
  SecretRotated: ["secret", "update", "secretId"],
  SecretRemoved: ["secret", "remove", "secretId"],
  ConfigCreated: ["config", "create", "configId"],
  ConfigRotated: ["config", "update", "configId"],
  ConfigRemoved: ["config", "remove", "configId"],
  NetworkCreated: ["network", "create", "networkId"],
  NetworkRemoved: ["network", "remove", "networkId"],
};

/** Names learnt from the events read (an object's name is in its create and its remove event), else the live state's. */
export class EngineNames {
  private readonly names = new Map<string, string>();
  constructor(private readonly live: (type: EngineEventType, id: string) => string | undefined) {}

  learn(e: Envelope): void {
    const d = e.data as Record<string, unknown>;
    const spec = d.spec as { Name?: unknown } | undefined;
    const name = typeof d.name === "string" ? d.name : typeof spec?.Name === "string" ? spec.Name : undefined;
    const m = MAPPED[e.type];
    const id = m ? d[m[2]] : undefined;
    if (m && name !== undefined && typeof id === "string") this.names.set(`${m[0]}:${id}`, name);
  }
  name(type: EngineEventType, id: string): string | undefined {
    return this.names.get(`${type}:${id}`) ?? this.live(type, id);
  }
}

/** Docker's message for a log event stored at `timeMs`, or undefined when Docker reports no such event. */
export function engineEvent(e: Envelope, timeMs: number, names: EngineNames): EngineEvent | undefined {
  const m = MAPPED[e.type];
  if (!m) return undefined;
  const [type, action, idField] = m;
  const id = (e.data as Record<string, unknown>)[idField];
  if (typeof id !== "string") return undefined;
  names.learn(e);
  const name = names.name(type, id);
  return {
    Type: type, Action: action, Actor: { ID: id, Attributes: name === undefined ? {} : { name } }, scope: "swarm",
    time: Math.floor(timeMs / 1000), timeNano: timeMs * 1_000_000,
  };
}

/** Docker's filter keys for `/events`; those of local objects (container, image…) match no swarm event. */
export const ENGINE_EVENT_FILTERS = [
  "type", "event", "scope", "service", "node", "secret", "config", "network", "label",
  "container", "image", "volume", "daemon", "plugin",
] as const;
const LOCAL_ONLY = ["container", "image", "volume", "daemon", "plugin"];

/** Docker semantics: values of one key OR-ed, keys AND-ed; an object filter matches its ID or name. */
export function engineEventMatches(ev: EngineEvent, f: Filters): boolean {
  const any = (key: string, ok: (v: string) => boolean) => !f.has(key) || f.get(key)!.some(ok);
  if (LOCAL_ONLY.some((k) => f.has(k))) return false;
  const named = (v: string) => v === ev.Actor.ID || v === ev.Actor.Attributes.name;
  return any("type", (v) => v === ev.Type) && any("event", (v) => v === ev.Action) && any("scope", (v) => v === "swarm")
    && (["service", "node", "secret", "config", "network"] as const).every((k) => !f.has(k) || (ev.Type === k && any(k, named)))
    && !f.has("label");
}

/** Docker's `since`/`until`: unix seconds, optionally with a fraction (`1700000000.5`), as ms. */
export function parseUnixTime(raw: string | null, field: string): number | undefined {
  if (raw === null || raw === "") return undefined;
  if (!/^\d+(\.\d{1,9})?$/.test(raw)) throw invalidArgument(`failed to parse value ${raw} for ${field}: not a unix timestamp`);
  return Math.round(Number(raw) * 1000);
}
