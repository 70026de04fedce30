import { z } from "zod";
import { NetworkSpec, PortConfig } from "../specs.js";
import { aggregate, batch } from "./entry.js";

/*
 * Networks (DESIGN §6b), on `swarm.evt.network.<networkId>`: what the user asked for (the api) and
 * what the allocator chose for it. The allocator's decisions — a network's subnet and VNI, a node's
 * gateway address on a network, a service's VIPs and ingress ports, a task's addresses — are
 * written as batches on its own subject `swarm.evt.allocations.allocator` (one active allocator,
 * lease), so they never race the api's appends on a network's or a service's subject; each member
 * reads as a singular event of its aggregate (network, service, task).
 *
 * Addresses are written with their prefix length (`10.0.1.5/24`); gateways and VTEPs without.
 * Nothing here frees an address: a task's addresses are free once the task is terminal or
 * deleted, a service's VIPs and ports once it is removed or its spec stops asking for them, a
 * node's gateways once the node is removed, a network's subnet and VNI once it is removed — the
 * allocator derives that from the log and keeps a freed address out of use for a while.
 */

export const NetworkCreated = z.object({ networkId: z.string(), spec: NetworkSpec });
/** `name`: the network's, so a reader of the log from a later point (Docker's `events --since`) can name it; absent in older events. */
export const NetworkRemoved = z.object({ networkId: z.string(), name: z.string().optional() });
export const NetworkAllocated = z.object({
  networkId: z.string(),
  /** `10.0.1.0/24`. */
  subnet: z.string(),
  /** The network's nominal gateway (Docker's IPAM Gateway): `10.0.1.1`. Each node also gets its own (NetworkNodeAttached). */
  gateway: z.string(),
  /** The VXLAN id (Swarm's range starts at 4096 + 1). */
  vni: z.number().int().min(1).max(16_777_215),
  /** Bridge and container MTU: the driver option, else 1450 (a 1500 underlay minus VXLAN's 50). */
  mtu: z.number().int().min(576).max(9000),
  /** Task addresses come from here (`--ip-range`), else from the whole subnet. */
  ipRange: z.string().optional(),
});
/** A node's own gateway address on a network: its bridge's address, its DNS server's, the mesh's SNAT source. */
export const NetworkNodeAttached = z.object({ networkId: z.string(), nodeId: z.string(), gateway: z.string() });

export const NETWORK_EVENTS = aggregate("network", "networkId", {
  NetworkCreated: { data: NetworkCreated, producer: "api", actsFor: "user" },
  NetworkRemoved: { data: NetworkRemoved, producer: "api", actsFor: "user" },
  NetworkAllocated: { data: NetworkAllocated, producer: "allocator" },
  NetworkNodeAttached: { data: NetworkNodeAttached, producer: "allocator" },
});

/** A service's VIP on one network: `10.0.1.3/24`. */
export const VirtualIP = z.object({ networkId: z.string(), address: z.string() });
export type VirtualIP = z.infer<typeof VirtualIP>;
/**
 * What the allocator gave a service for one spec version: a VIP per network in `vip` endpoint mode
 * (none in `dnsrr`), and its ports with every ingress `PublishedPort` filled in (30000–32767 when
 * the user left it out). Docker's `Endpoint.VirtualIPs` / `Endpoint.Ports`.
 */
export const ServiceAllocated = z.object({
  serviceId: z.string(),
  specVersion: z.number().int().nonnegative(),
  vips: z.array(VirtualIP),
  ports: z.array(PortConfig),
});

/** A task's address on one network. `mac` = `02:42:` + the address's four bytes (DESIGN §6b). */
export const TaskNetwork = z.object({ networkId: z.string(), address: z.string(), mac: z.string() });
export type TaskNetwork = z.infer<typeof TaskNetwork>;
/** A task's addresses on every network it attaches to; a task created `new` becomes `pending` (schedulable). */
export const TaskAllocated = z.object({ taskId: z.string(), networks: z.array(TaskNetwork) });

/**
 * Why a task waits in `new` (its network does not exist, its pool is exhausted: Swarm's `no
 * available IP addresses`): shown in `service ps`; written when the reason changes.
 */
export const TaskAllocationFailed = z.object({ taskId: z.string(), err: z.string() });

export const NetworksAllocated = z.object({ networks: z.array(NetworkAllocated).min(1) });
export const NetworkNodesAttached = z.object({ attachments: z.array(NetworkNodeAttached).min(1) });
export const ServicesAllocated = z.object({ services: z.array(ServiceAllocated).min(1) });
export const TasksAllocated = z.object({ allocations: z.array(TaskAllocated).min(1) });
export const TasksAllocationFailed = z.object({ failures: z.array(TaskAllocationFailed).min(1) });

/**
 * An allocator batch whose members are its list's elements as they stand (each is the member
 * type's data): the allocations' batches differ only in their names and their list's field.
 */
function allocatorBatch<S extends z.ZodType, M extends z.ZodType>(data: S, member: string, memberData: M, elements: (d: z.infer<S>) => readonly z.infer<M>[]) {
  return { data, producer: "allocator" as const, batch: batch(data, { type: member, data: memberData }, { elements, expand: (_d, el) => el }) };
}

export const ALLOCATIONS_EVENTS = aggregate("allocations", undefined, {
  NetworksAllocated: allocatorBatch(NetworksAllocated, "NetworkAllocated", NetworkAllocated, (d) => d.networks),
  NetworkNodesAttached: allocatorBatch(NetworkNodesAttached, "NetworkNodeAttached", NetworkNodeAttached, (d) => d.attachments),
  ServicesAllocated: allocatorBatch(ServicesAllocated, "ServiceAllocated", ServiceAllocated, (d) => d.services),
  TasksAllocated: allocatorBatch(TasksAllocated, "TaskAllocated", TaskAllocated, (d) => d.allocations),
  TasksAllocationFailed: allocatorBatch(TasksAllocationFailed, "TaskAllocationFailed", TaskAllocationFailed, (d) => d.failures),
});
