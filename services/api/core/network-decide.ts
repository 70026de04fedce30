import type { NetworkSpec } from "../../../schemas/index.js";
import { subjects } from "../../../schemas/index.js";
import { alreadyExists, failedPrecondition, invalidArgument, SwarmError } from "../../shared/errors/index.js";
import { plan, versionOf, type ClusterState, type NetworkView, type PlannedEvent } from "../../shared/model/index.js";
import { parseCidr, overlaps } from "./cidr.js";
import { requireCluster, type Fresh } from "./decide.js";
import { labelMatches, type Filters } from "./filters.js";
import { liveServices } from "./lookup.js";
import { findNetwork, ingressNetwork, needsIngress, networks } from "./network-lookup.js";
import { subnetOf } from "./network-spec.js";

/*
 * Networks (issue #17): create, remove (refused while in use, in Swarm's words), prune, and the
 * ingress network every cluster starts with. The allocator picks subnets and VNIs; the api refuses
 * what can never be allocated (a duplicate name, a second ingress, a subnet overlapping another).
 */

export const INGRESS_NAME = "ingress";
const rpc = (code: string, desc: string) => `rpc error: code = ${code} desc = ${desc}`;

export function duplicateNetworkName(name: string): SwarmError {
  return alreadyExists(`network with name ${name} already exists`);
}

function checkOverlap(state: ClusterState, spec: NetworkSpec): void {
  const mine = spec.IPAM?.Config?.[0]?.Subnet;
  const c = mine ? parseCidr(mine) : undefined;
  if (!c || typeof c === "string") return;
  for (const n of networks(state)) {
    const theirs = subnetOf(n);
    const o = theirs ? parseCidr(theirs) : undefined;
    if (o && typeof o !== "string" && overlaps(c, o)) {
      throw invalidArgument(`invalid pool request: subnet ${mine} overlaps with network ${n.spec.Name}'s subnet ${theirs}`);
    }
  }
}

export function decideCreateNetwork(state: ClusterState, spec: NetworkSpec, networkId: string, fresh: Pick<Fresh, "requestId">): PlannedEvent[] {
  requireCluster(state);
  if (networks(state).some((n) => n.spec.Name === spec.Name)) throw duplicateNetworkName(spec.Name);
  const ingress = spec.Ingress ? ingressNetwork(state) : undefined;
  if (ingress) throw alreadyExists(rpc("AlreadyExists", `ingress network (${ingress.id}) is already present`));
  checkOverlap(state, spec);
  return [plan("NetworkCreated", "network", networkId, { networkId, spec }, 0, `network-create:${fresh.requestId}`)];
}

/**
 * Two creates of one name decided at once append on two subjects: after its append each creator
 * checks, and the later network (in log order) removes itself (as secrets do: decideYieldName).
 */
export function decideYieldNetworkName(state: ClusterState, networkId: string, fresh: Pick<Fresh, "requestId">): PlannedEvent[] {
  const mine = state.networks.get(networkId);
  if (!mine) return [];
  const first = networks(state).find((n) => n.spec.Name === mine.spec.Name || (mine.spec.Ingress && n.spec.Ingress));
  if (!first || first.id === networkId) return [];
  const expect = versionOf(state, subjects.event("network", networkId));
  return [plan("NetworkRemoved", "network", networkId, { networkId, name: mine.spec.Name }, expect, `network-yield:${fresh.requestId}`)];
}

/** Why the network cannot go now (Swarm's words), or undefined. */
export function inUseReason(state: ClusterState, n: NetworkView): string | undefined {
  if (n.spec.Ingress) {
    const user = liveServices(state).find((s) => needsIngress(s.spec));
    return user ? rpc("FailedPrecondition", `ingress network cannot be removed because service ${user.id} depends on it`) : undefined;
  }
  const service = liveServices(state).find((s) => (s.spec.TaskTemplate.Networks ?? []).some((a) => a.Target === n.id));
  if (service) return rpc("FailedPrecondition", `network ${n.id} is in use by service ${service.id}`);
  // Tasks of a live service may still run on it until they stop (swarmkit's rule: desired and
  // actual state up to running). A removed service's tasks are on their way out (the orchestrator
  // sets their desired state a moment later): as in Swarm, where the service's removal marks them,
  // they do not hold the network (`docker stack rm` removes services, then networks, at once).
  for (const t of state.tasks.values()) {
    if (state.services.get(t.serviceId)?.removed ?? true) continue;
    const attached = (t.networks ?? []).some((a) => a.networkId === n.id) || (t.spec.Networks ?? []).some((a) => a.Target === n.id);
    if (attached && isLive(t.state) && isLive(t.desiredState)) return rpc("FailedPrecondition", `network ${n.id} is in use by task ${t.id}`);
  }
  return undefined;
}

const LIVE = new Set(["new", "allocated", "pending", "assigned", "accepted", "ready", "preparing", "starting", "running"]);
const isLive = (s: string) => LIVE.has(s);

export function decideRemoveNetwork(state: ClusterState, ref: string, fresh: Pick<Fresh, "requestId">): PlannedEvent[] {
  requireCluster(state);
  const n = findNetwork(state, ref);
  const why = inUseReason(state, n);
  if (why) throw failedPrecondition(why);
  const expect = versionOf(state, subjects.event("network", n.id));
  return [plan("NetworkRemoved", "network", n.id, { networkId: n.id, name: n.spec.Name }, expect, `network-remove:${fresh.requestId}`)];
}

export const PRUNE_FILTERS = ["label", "label!"] as const;

/** `network prune`: every network no service or task uses, but never the ingress network (Docker's rule). */
export function decidePruneNetworks(state: ClusterState, f: Filters, fresh: Pick<Fresh, "requestId">): { events: PlannedEvent[]; names: string[] } {
  requireCluster(state);
  const chosen = networks(state).filter((n) =>
    !n.spec.Ingress && inUseReason(state, n) === undefined &&
    (f.get("label") ?? []).every((l) => labelMatches(n.spec.Labels, l)) &&
    !(f.get("label!") ?? []).some((l) => labelMatches(n.spec.Labels, l)));
  const events = chosen.map((n) =>
    plan("NetworkRemoved", "network", n.id, { networkId: n.id, name: n.spec.Name }, versionOf(state, subjects.event("network", n.id)), `network-prune:${fresh.requestId}`));
  return { events, names: chosen.map((n) => n.spec.Name) };
}

/**
 * The ingress network a cluster starts with (Swarm creates it at init). Its id is derived from the
 * cluster's, and its subject must be new: so it is created once per cluster — by init or by the
 * first api to start on an older cluster — and never again after a user removed it.
 */
export function decideEnsureIngress(state: ClusterState, ingressId: string): PlannedEvent[] {
  if (!state.cluster || ingressNetwork(state)) return [];
  if (versionOf(state, subjects.event("network", ingressId)) !== 0) return [];
  if (networks(state).some((n) => n.spec.Name === INGRESS_NAME)) return [];
  const spec: NetworkSpec = { Name: INGRESS_NAME, Driver: "overlay", Ingress: true };
  return [plan("NetworkCreated", "network", ingressId, { networkId: ingressId, spec }, 0, "ingress")];
}

export { findNetwork, ingressNetwork, needsIngress, networks } from "./network-lookup.js";
