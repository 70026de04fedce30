import type { NatsConnection } from "@nats-io/transport-node";
import { leaseHolders, listMembers, unavailable, type EventStore, type MemberRecord } from "../../shared/index.js";
import { route, type Route } from "./http.js";

/*
 * `GET /control-plane` (DESIGN §5): every live control-plane process from KV `swarm-members`,
 * with its role (a lease holder's role is read from the lease bucket itself, so it is never staler
 * than the lease) and how many events its projection is behind the log head.
 */

export interface ControlPlaneDeps {
  nc?: NatsConnection;
  store: EventStore;
  now: () => Date;
}

export interface ControlPlaneMember {
  Service: string;
  Instance: string;
  Node: string;
  Pid: number;
  /** `active`/`standby` for singletons, `all` where every instance works. */
  Role: string;
  /** Events between the member's last applied sequence and the head; null when it has no projection. */
  Behind: number | null;
  StartedAt: string;
  UptimeSeconds: number;
}

/** Pure: the rows the api answers, from the members, the lease holders, the head and the time. */
export function controlPlaneView(members: MemberRecord[], holders: Map<string, string>, head: number, now: Date): ControlPlaneMember[] {
  return members.map((m) => {
    const holder = holders.get(m.service);
    const leased = holder !== undefined || m.role === "active" || m.role === "standby";
    return {
      Service: m.service,
      Instance: m.instanceId,
      Node: m.node,
      Pid: m.pid,
      Role: leased ? (holder === m.instanceId ? "active" : "standby") : m.role,
      Behind: m.seq === undefined ? null : Math.max(0, head - m.seq),
      StartedAt: m.startedAt,
      UptimeSeconds: Math.max(0, Math.floor((now.getTime() - Date.parse(m.startedAt)) / 1000)),
    };
  });
}

export function controlPlaneRoutes(deps: ControlPlaneDeps): Route[] {
  return [
    route("GET", "/control-plane", async () => {
      if (!deps.nc) throw unavailable("control-plane membership is not available: this api has no NATS connection");
      const [members, holders, head] = await Promise.all([listMembers(deps.nc), leaseHolders(deps.nc), deps.store.headSeq()]);
      return { status: 200, body: controlPlaneView(members, holders, head, deps.now()) };
    }),
  ];
}
