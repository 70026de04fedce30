import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { ControlPlaneScaleRequest, type ControlPlaneScale } from "../../../schemas/api.js";
import { formatZodError, ROSTER, SCALABLE_SERVICES, type Actor } from "../../../schemas/index.js";
import { decideAndCommit } from "../../shared/reconcile/index.js";
import { invalidArgument, unavailable } from "../../shared/errors/index.js";
import { leaseHolders, listMembers, type MemberRecord } from "../../shared/instances/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { type ClusterState, type EventStore } from "../../shared/model/index.js";
import { type Informer } from "../../shared/projection/index.js";
import { decideScaleControlPlane, requireCluster } from "../core/decide.js";
import { route, type Request, type Route } from "./http.js";

/*
 * `GET /control-plane` (DESIGN §5): every live control-plane process from KV `swarm-members`,
 * with its role (a lease holder's role is read from the lease bucket itself, so it is never staler
 * than the lease) and how many events its projection is behind the log head.
 */

export interface ControlPlaneDeps {
  nc?: NatsConnection;
  store: EventStore;
  informer: Informer;
  now: () => Date;
  /** Who a request acts as (`core/actor.ts`). */
  actorOf(req: Request): Actor;
}

export interface ControlPlaneMember {
  Service: string;
  Instance: string;
  Node: string;
  Pid: number;
  /** `active`/`standby` for singletons, `owns 3 services` for partitioned ones, `all` where every instance works. */
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
    const leased = leaseService(m.service) || holder !== undefined;
    return {
      Service: m.service,
      Instance: m.instanceId,
      Node: m.node,
      Pid: m.pid,
      Role: leased ? (holder === m.instanceId ? "active" : "standby") : partitionRole(m),
      Behind: m.seq === undefined ? null : Math.max(0, head - m.seq),
      StartedAt: m.startedAt,
      UptimeSeconds: Math.max(0, Math.floor((now.getTime() - Date.parse(m.startedAt)) / 1000)),
    };
  });
}

/** The roster says the service's instances share one lease (an unknown service: not). */
function leaseService(service: string): boolean {
  return Object.hasOwn(ROSTER, service) && ROSTER[service as keyof typeof ROSTER].ownership === "lease";
}

/** Pure: the desired instance counts as the api shows them. */
export function controlPlaneScaleView(state: ClusterState): ControlPlaneScale {
  const set = requireCluster(state).controlPlane ?? {};
  return {
    Scale: Object.fromEntries(SCALABLE_SERVICES.filter((s) => set[s] !== undefined).map((s) => [s, set[s]!])),
    PerManager: SCALABLE_SERVICES.filter((s) => set[s] === undefined),
  };
}

/** `owns 1 node`, `owns 3 services`; the plain role when the member reports no partitions. */
function partitionRole(m: MemberRecord): string {
  if (!m.owns) return m.role;
  return `owns ${m.owns.count} ${m.owns.kind}${m.owns.count === 1 ? "" : "s"}`;
}

export function controlPlaneRoutes(deps: ControlPlaneDeps): Route[] {
  return [
    route("GET", "/control-plane/scale", async () => ({ status: 200, body: controlPlaneScaleView(deps.informer.state) })),
    route("POST", "/control-plane/scale", async (req) => {
      const parsed = ControlPlaneScaleRequest.safeParse(req.body);
      if (!parsed.success) throw invalidArgument(formatZodError(parsed.error as z.ZodError));
      const requestId = randomId();
      await decideAndCommit(deps.store, deps.informer, (s) => decideScaleControlPlane(s, parsed.data, { requestId }),
        () => ({ actor: deps.actorOf(req), now: deps.now() }));
      return { status: 200, body: controlPlaneScaleView(deps.informer.state) };
    }),
    route("GET", "/control-plane", async () => {
      if (!deps.nc) throw unavailable("control-plane membership is not available: this api has no NATS connection");
      const [members, holders, head] = await Promise.all([listMembers(deps.nc), leaseHolders(deps.nc), deps.store.headSeq()]);
      return { status: 200, body: controlPlaneView(members, holders, head, deps.now()) };
    }),
  ];
}
