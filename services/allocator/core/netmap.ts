import type { ClusterState, NetworkView, ServiceView } from "../../shared/model/index.js";
import { isTerminal, type NetMapDoc, type NetMapEndpoint, type NetMapNode, type NetMapService, type StoredEvent } from "../../../schemas/index.js";
import { isIngress } from "./pools.js";

/*
 * The networks' maps for the agents (schemas/netmap.ts), computed from the projection (pure).
 */

const byId = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** A network's map at `seq`; undefined while it has no allocation (agents have nothing to build yet). */
export function netMapOf(state: ClusterState, n: NetworkView, seq: number): NetMapDoc | undefined {
  const a = n.allocation;
  if (!a) return undefined;
  // A node marked down leaves every map, with its endpoints (as Swarm's gossip drops a dead peer):
  // the other nodes remove its fdb/neighbour entries and its tasks leave DNS and the VIPs.
  const down = (nodeId: string) => state.nodes.get(nodeId)?.state === "down";
  const nodes: NetMapNode[] = [];
  for (const [nodeId, gateway] of Object.entries(n.nodeGateways)) {
    const addr = state.nodes.get(nodeId)?.addr;
    if (addr && !down(nodeId)) nodes.push({ nodeId, addr, gateway });
  }
  const endpoints: NetMapEndpoint[] = [];
  for (const t of state.tasks.values()) {
    // An endpoint is a task that holds its address on a node; ended tasks have let theirs go.
    if (!t.nodeId || !t.networks || isTerminal(t.state) || down(t.nodeId)) continue;
    const at = t.networks.find((x) => x.networkId === n.id);
    if (!at) continue;
    const aliases = t.spec.Networks?.find((x) => x.Target === n.id)?.Aliases ?? [];
    endpoints.push({
      taskId: t.id, serviceId: t.serviceId, serviceName: t.serviceName, slot: t.slot, nodeId: t.nodeId,
      address: at.address, mac: at.mac, aliases, serving: t.state === "running" && t.desiredState === "running",
    });
  }
  const services: NetMapService[] = [];
  for (const s of state.services.values()) {
    const entry = serviceEntry(s, n);
    if (entry) services.push(entry);
  }
  return {
    networkId: n.id, name: n.spec.Name, ingress: n.spec.Ingress ?? false, internal: n.spec.Internal ?? false,
    attachable: n.spec.Attachable ?? false, vni: a.vni, ...(state.cluster ? { clusterId: state.cluster.id } : {}), subnet: a.subnet, gateway: a.gateway, mtu: a.mtu, seq, removed: false,
    nodes: nodes.sort(byId((x) => x.nodeId)), endpoints: endpoints.sort(byId((x) => x.taskId)), services: services.sort(byId((x) => x.serviceId)),
  };
}

/** A service on a network's map: attached by its spec, or holding a VIP there (ingress). */
function serviceEntry(s: ServiceView, n: NetworkView): NetMapService | undefined {
  if (s.removed) return undefined;
  const attach = s.spec.TaskTemplate.Networks?.find((x) => x.Target === n.id);
  const vip = s.endpoint?.vips.find((v) => v.networkId === n.id)?.address;
  if (!attach && !vip) return undefined;
  const ports = n.spec.Ingress ? (s.endpoint?.ports ?? []).filter(isIngress) : [];
  return {
    serviceId: s.id, name: s.spec.Name, endpointMode: s.spec.EndpointSpec?.Mode ?? "vip",
    ...(vip ? { vip } : {}), aliases: attach?.Aliases ?? [], ports,
  };
}

/** The doc of a removed network: agents tear its data plane down. */
export function removedMap(networkId: string, last: NetMapDoc | undefined, seq: number): NetMapDoc {
  const base = last ?? { networkId, name: "", ingress: false, internal: false, attachable: false, vni: 0, subnet: "", gateway: "", mtu: 0 };
  return { ...base, networkId, seq, removed: true, nodes: [], endpoints: [], services: [] };
}

/** A map's content without its sequence: two maps with the same content need not be published twice. */
export function sameMap(a: NetMapDoc | undefined, b: NetMapDoc): boolean {
  return a !== undefined && JSON.stringify({ ...a, seq: 0 }) === JSON.stringify({ ...b, seq: 0 });
}

/**
 * The networks whose map an event may change (`all` when it cannot say cheaply): a network's own
 * events; a task's (its addresses); a service's (all: its attachments may have moved); a node's (its VTEP, on the networks where it has a gateway).
 */
export function networksTouched(e: StoredEvent, state: ClusterState): string[] | "all" {
  const d = e.event.data as Record<string, unknown>;
  switch (e.event.type) {
    case "NetworkCreated": case "NetworkRemoved": case "NetworkAllocated": case "NetworkNodeAttached":
      return [d.networkId as string];
    case "TaskAllocated":
      return (d.networks as { networkId: string }[]).map((x) => x.networkId);
    case "TaskDeleted":
      // Only a task that never reached a node or has ended is deleted: neither is an endpoint.
      return [];
    case "TaskAssigned": case "TaskStatusChanged": case "TaskDesiredStateChanged":
      return (state.tasks.get(d.taskId as string)?.networks ?? []).map((x) => x.networkId);
    default:
  }
  // A service's attachments may have changed (its old networks' maps lose it): rare, so every map.
  if (e.event.type.startsWith("Service")) return "all";
  if (e.event.type.startsWith("Node") && typeof d.nodeId === "string") {
    const id = d.nodeId;
    return [...state.networks.values()].filter((n) => n.nodeGateways[id] !== undefined).map((n) => n.id);
  }
  return [];
}
