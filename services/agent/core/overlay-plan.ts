import { bridgeName, localNetworkName, macOf, vxlanName, wireVni, type NetMapDoc } from "../../../schemas/index.js";

/*
 * The node's overlay data plane (DESIGN §6b), as pure functions: which networks this node builds,
 * what each must look like (a Docker bridge network + a VXLAN device + static fdb and neighbour
 * entries for every remote endpoint and every remote node's gateway), and the difference between
 * that and what the kernel shows. The shell reads the state, applies the difference, and repeats.
 */

/** A static forwarding entry on the VXLAN device: frames for `mac` go to the VTEP `dst`. */
export interface FdbEntry { mac: string; dst: string }
/** A permanent neighbour entry on the VXLAN device (its `proxy` answers ARP from the bridge). */
export interface NeighEntry { ip: string; mac: string }

/** Everything one network needs on this node. */
export interface NetworkPlumbing {
  networkId: string;
  name: string;
  /** The map's cluster id (labelled on the Docker network: whose it is, when another cluster meets it on this engine). */
  clusterId?: string;
  /** The VNI on the wire and of the VXLAN device (`wireVni`: the map's, rotated by the cluster's offset). */
  vni: number;
  subnet: string;
  /** This node's own gateway (its bridge's address, no prefix). */
  gateway: string;
  mtu: number;
  /** Docker network name on this node's engine: `jetswarm-<id>`. */
  dockerName: string;
  bridge: string;
  vxlan: string;
  /** The bridge's MAC: `macOf(gateway)`, so that remote nodes can write its fdb/neighbour entries. */
  bridgeMac: string;
  /** This node's VTEP address. */
  local: string;
  /** A local task uses it, or it is the ingress with published ports: it may clear another cluster's networks from its way. */
  claims: boolean;
  fdb: FdbEntry[];
  neigh: NeighEntry[];
}

/** Label values that identify a Docker network the agent made, and the settings it was made with. */
export const NETWORK_LABELS = {
  networkId: "jetswarm.network.id", config: "jetswarm.network.config", nodeId: "jetswarm.node.id", clusterId: "jetswarm.cluster.id",
} as const;

function ipOf(address: string): string {
  return address.split("/")[0] ?? address;
}

/**
 * The networks this node builds: every network one of its tasks attaches to, and the ingress
 * network always, once the map gives this node a gateway on it (the allocator's
 * NetworkNodeAttached) — every node answers on published ports, with or without a task, and a
 * bridge kept while nothing is published saves its rebuild (docker network create, VXLAN) at the
 * next publish. A removed map, or one without this node, builds nothing.
 */
export function desiredPlumbing(maps: ReadonlyMap<string, NetMapDoc>, used: ReadonlySet<string>, nodeId: string, local: string): NetworkPlumbing[] {
  const out: NetworkPlumbing[] = [];
  for (const m of maps.values()) {
    if (m.removed || (!used.has(m.networkId) && !m.ingress)) continue;
    const me = m.nodes.find((n) => n.nodeId === nodeId);
    if (!me) continue;
    const claims = used.has(m.networkId) || (m.ingress && m.services.some((s) => s.ports.length > 0));
    out.push({ ...plumbingOf(m, me.gateway, nodeId, local), claims });
  }
  return out.sort((a, b) => a.networkId.localeCompare(b.networkId));
}

function plumbingOf(m: NetMapDoc, gateway: string, nodeId: string, local: string): Omit<NetworkPlumbing, "claims"> {
  const vtep = new Map(m.nodes.map((n) => [n.nodeId, n.addr]));
  const fdb = new Map<string, FdbEntry>();
  const neigh = new Map<string, NeighEntry>();
  const add = (ip: string, mac: string, dst: string | undefined) => {
    // A peer with no VTEP (not in `nodes`), or one on this node's own address, needs no entry.
    if (!dst || dst === local) return;
    fdb.set(mac, { mac, dst });
    neigh.set(ip, { ip, mac });
  };
  for (const n of m.nodes) if (n.nodeId !== nodeId) add(n.gateway, macOf(n.gateway), n.addr);
  for (const e of m.endpoints) if (e.nodeId !== nodeId) add(ipOf(e.address), e.mac, vtep.get(e.nodeId));
  const wire = wireVni(m);
  return {
    networkId: m.networkId, name: m.name, ...(m.clusterId ? { clusterId: m.clusterId } : {}), vni: wire, subnet: m.subnet, gateway, mtu: m.mtu, local,
    dockerName: localNetworkName(m.networkId), bridge: bridgeName(wire), vxlan: vxlanName(wire), bridgeMac: macOf(gateway),
    fdb: [...fdb.values()].sort((a, b) => a.mac.localeCompare(b.mac)),
    neigh: [...neigh.values()].sort((a, b) => a.ip.localeCompare(b.ip)),
  };
}

/**
 * The settings the Docker network is made with, as one string kept in its label: a network whose
 * label differs (another subnet, gateway, VNI or MTU) is removed and made again.
 */
export function dockerConfigKey(p: NetworkPlumbing): string {
  return `${p.subnet}|${p.gateway}|${p.vni}|${p.mtu}`;
}

/** Docker's network create body for one network (Engine API `POST /networks/create`). */
export function dockerNetworkCreate(p: NetworkPlumbing, nodeId: string): DockerNetworkCreate {
  return {
    Name: p.dockerName,
    Driver: "bridge",
    CheckDuplicate: true,
    // The allocator hands out every task address: Docker's own allocation is limited to the
    // gateway itself (taken), so a container attached by hand without --ip cannot take an
    // address the allocator may give a task (it gets "no available IPv4 addresses").
    IPAM: { Driver: "default", Config: [{ Subnet: p.subnet, Gateway: p.gateway, IPRange: `${p.gateway}/32` }] },
    Options: {
      "com.docker.network.bridge.name": p.bridge,
      "com.docker.network.driver.mtu": String(p.mtu),
      "com.docker.network.bridge.enable_icc": "true",
    },
    Labels: {
      [NETWORK_LABELS.networkId]: p.networkId, [NETWORK_LABELS.config]: dockerConfigKey(p), [NETWORK_LABELS.nodeId]: nodeId,
      ...(p.clusterId ? { [NETWORK_LABELS.clusterId]: p.clusterId } : {}),
    },
  };
}

export interface DockerNetworkCreate {
  Name: string;
  Driver: "bridge";
  CheckDuplicate: boolean;
  IPAM: { Driver: string; Config: { Subnet: string; Gateway: string; IPRange: string }[] };
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** What the kernel shows of a VXLAN device (from `ip -json -d link show`). */
export interface VxlanState { id: number; local?: string; port?: number; learning: boolean; proxy: boolean; master?: string; mtu: number; up: boolean }

/** Whether the device must be deleted and made again (its id, local address, port or flags differ). */
export function vxlanNeedsRecreate(cur: VxlanState, p: NetworkPlumbing): boolean {
  return cur.id !== p.vni || cur.local !== p.local || cur.port !== 4789 || cur.learning || !cur.proxy;
}

export interface Diff<T> { add: T[]; del: T[] }

/** Entries to add and to delete; an entry whose mac moved to another VTEP is deleted and added. */
export function diffFdb(current: readonly FdbEntry[], desired: readonly FdbEntry[]): Diff<FdbEntry> {
  const key = (e: FdbEntry) => `${e.mac}|${e.dst}`;
  const want = new Set(desired.map(key));
  const have = new Set(current.map(key));
  return { add: desired.filter((e) => !have.has(key(e))), del: current.filter((e) => !want.has(key(e))) };
}

/** Neighbour entries to set (`replace`: missing or another MAC) and to delete. */
export function diffNeigh(current: readonly NeighEntry[], desired: readonly NeighEntry[]): Diff<NeighEntry> {
  const have = new Map(current.map((e) => [e.ip, e.mac]));
  const want = new Set(desired.map((e) => e.ip));
  return { add: desired.filter((e) => have.get(e.ip) !== e.mac), del: current.filter((e) => !want.has(e.ip)) };
}
