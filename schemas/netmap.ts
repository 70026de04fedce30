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
  /**
   * The cluster's id (absent from maps of older allocators, and from maps tests write by hand):
   * with the VNI it names the kernel's devices and picks the VNI on the wire (`wireVni`), so that
   * two clusters' networks never meet on one kernel.
   */
  clusterId: z.string().optional(),
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

/** VXLAN's VNI space (24 bits; 0 unused). */
const MAX_WIRE_VNI = 16_777_215;

/**
 * The VNI a network's VXLAN devices carry on the wire and in the kernel: the allocator's VNI
 * (unique in its cluster, 4097 upwards, what inspect shows) rotated through the 24-bit space by
 * an offset derived from the cluster id (FNV-1a), the same on every node of the cluster. One
 * kernel refuses a second VXLAN device with a VNI already in use on port 4789 ("A VXLAN device
 * with the specified VNI already exists"), and two clusters on one machine (two `swarm up` data
 * dirs, tests side by side) both start at 4097: rotated, they collide only if their offsets fall
 * within as many VNIs as they have networks (about n/16 M). A rotation keeps one cluster's VNIs
 * distinct. Without a cluster id, the VNI itself. Part of the protocol: every node must agree.
 */
export function wireVni(m: { vni: number; clusterId?: string | undefined }): number {
  if (!m.clusterId) return m.vni;
  let h = 0x811c9dc5;
  for (let i = 0; i < m.clusterId.length; i++) h = Math.imul(h ^ m.clusterId.charCodeAt(i), 0x01000193);
  return 1 + (((m.vni - 1 + ((h >>> 0) % MAX_WIRE_VNI)) % MAX_WIRE_VNI) + MAX_WIRE_VNI) % MAX_WIRE_VNI;
}
/**
 * A network's bridge on a node: `jsbr<wire VNI>` (≤ 12 of Linux's 15 characters), so two clusters'
 * bridges on one kernel never share a name (their wire VNIs differ, which the kernel requires anyway).
 */
export function bridgeName(wire: number): string {
  return `jsbr${wire}`;
}
/** The VXLAN device of a network on a node: `jsvx<wire VNI>`. */
export function vxlanName(wire: number): string {
  return `jsvx${wire}`;
}
/** The VXLAN device beside a bridge `jsbr<n>` (undefined for another name). */
export function vxlanOfBridge(bridge: string): string | undefined {
  const n = /^jsbr(\d+)$/.exec(bridge)?.[1];
  return n === undefined ? undefined : vxlanName(Number(n));
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
