import { type ControlPlaneScale, type ControlPlaneScaleRequest } from "../../../schemas/api.js";
import { ROSTER, SCALABLE_SERVICES, type Actor } from "../../../schemas/index.js";
import { unavailable } from "../../shared/errors/index.js";
import { leaseHolders, listMembers, type MemberRecord } from "../../shared/instances/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { type ClusterState } from "../../shared/model/index.js";
import { decideScaleControlPlane, requireCluster } from "../core/decide.js";
import { commitAs, stateOf, type AppDeps } from "./context.js";

/*
 * The control plane (DESIGN §5): its desired instance counts (`control-plane scale`), and every
 * live control-plane process from KV `swarm-members`, with its role (a lease holder's role is read from the lease bucket itself, so it is never staler
 * than the lease) and how many events its projection is behind the log head.
 */

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

/** `swarm control-plane scale`: records the counts that change; answers the desired counts after. */
export async function scaleControlPlane(deps: AppDeps, actor: Actor, req: ControlPlaneScaleRequest): Promise<ControlPlaneScale> {
  const requestId = randomId();
  await commitAs(deps, actor, (s) => decideScaleControlPlane(s, req, { requestId }));
  return controlPlaneScale(deps);
}

export function controlPlaneScale(deps: AppDeps): ControlPlaneScale {
  return controlPlaneScaleView(stateOf(deps));
}

/** Every live control-plane process (KV `swarm-members`), with its role and lag behind the head. */
export async function controlPlaneMembers(deps: AppDeps): Promise<ControlPlaneMember[]> {
  if (!deps.nc) throw unavailable("control-plane membership is not available: this api has no NATS connection");
  const [members, holders, head] = await Promise.all([listMembers(deps.nc), leaseHolders(deps.nc), deps.store.headSeq()]);
  return controlPlaneView(members, holders, head, deps.now());
}
