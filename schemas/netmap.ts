import { z } from "zod";
import { PortConfig } from "./specs.js";

/**
 * One network's map for the nodes' agents (DESIGN §6b: the log is the control plane, no gossip):
 * everything a node needs to build that network's data plane — its VXLAN peers, every endpoint
 * (for fdb/neighbour entries, DNS and VIP backends), every service's VIP and ingress ports.
 * Written by the allocator (the active one) on `swarm.netmap.<networkId>` in stream NETWORK_MAPS
 * (one message kept per subject) after every change of its inputs, then announced on plain NATS
 * `swarm.netmapchg.<networkId>` (body `{ seq }`); agents read the last message with a direct get
 * and also re-read every map they use periodically (a missed announcement is repaired).
 * A removed network's map is a doc with `removed: true`.
 */
export const NetMapNode = z.object({
  nodeId: z.string(),
  /** The node's underlay address: its VTEP (the address it registered with). */
  addr: z.string(),
  /** The node's own gateway address on this network (no prefix length). */
  gateway: z.string(),
});
export type NetMapNode = z.infer<typeof NetMapNode>;

export const NetMapEndpoint = z.object({
  taskId: z.string(),
  serviceId: z.string(),
  serviceName: z.string(),
  slot: z.number().int().nonnegative(),
  nodeId: z.string(),
  /** `10.0.1.5/24`. */
  address: z.string(),
  mac: z.string(),
  /** The attachment's aliases (DNS names besides `tasks.<service>`). */
  aliases: z.array(z.string()),
  /**
   * In DNS answers and VIP backend sets: the task is running and still wanted (desired running).
   * False as soon as the orchestrator wants it stopped — before its agent stops the container, so
   * that it leaves DNS and the VIPs first. Endpoints stay in the map (for fdb/neighbour entries)
   * while they hold their address.
   */
  serving: z.boolean(),
});
export type NetMapEndpoint = z.infer<typeof NetMapEndpoint>;

export const NetMapService = z.object({
  serviceId: z.string(),
  name: z.string(),
  endpointMode: z.enum(["vip", "dnsrr"]),
  /** `10.0.1.3/24`; absent in dnsrr mode. */
  vip: z.string().optional(),
  /** Aliases of the service's attachments to this network. */
  aliases: z.array(z.string()),
  /** Ingress-mode published ports, PublishedPort filled in (the routing mesh; on the ingress network's map). */
  ports: z.array(PortConfig),
});
export type NetMapService = z.infer<typeof NetMapService>;

export const NetMapDoc = z.object({
  networkId: z.string(),
  name: z.string(),
  ingress: z.boolean(),
  internal: z.boolean(),
  attachable: z.boolean(),
  vni: z.number().int(),
  /** `10.0.1.0/24`. */
  subnet: z.string(),
  /** The nominal gateway (Docker's). */
  gateway: z.string(),
  mtu: z.number().int(),
  /** The log sequence this map was computed at (monotone: an older doc never replaces a newer one's effect). */
  seq: z.number().int().nonnegative(),
  removed: z.boolean().default(false),
  nodes: z.array(NetMapNode),
  endpoints: z.array(NetMapEndpoint),
  services: z.array(NetMapService),
});
export type NetMapDoc = z.infer<typeof NetMapDoc>;

/** A node-local Docker name for a network's bridge: `jsbr<vni>` (≤ 15 characters: a Linux interface name). */
export function bridgeName(vni: number): string {
  return `jsbr${vni}`;
}
/** The VXLAN device of a network on a node: `jsvx<vni>`. */
export function vxlanName(vni: number): string {
  return `jsvx${vni}`;
}
/** The Docker network the agent creates on its engine for a swarm network. */
export function localNetworkName(networkId: string): string {
  return `jetswarm-${networkId}`;
}
/** A task's MAC on a network: `02:42:` + the address's four bytes (DESIGN §6b). */
export function macOf(address: string): string {
  const ip = address.split("/")[0] ?? "";
  return ["02", "42", ...ip.split(".").map((b) => Number(b).toString(16).padStart(2, "0"))].join(":");
}
