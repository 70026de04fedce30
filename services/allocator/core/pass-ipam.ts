import type { ClusterState, NetworkView } from "../../shared/model/index.js";
import { isTerminal, type EventData, type NetworkSpec } from "../../../schemas/index.js";
import { AddressSpace, ExhaustedError } from "./address-space.js";
import { addressOf, formatIp, parseCidr, parseIp, type Cidr } from "./ip.js";
import type { ReleaseLedger } from "./ledger.js";
import { chooseSubnet, chooseVni, mtuOf, poolConfigOf } from "./pools.js";

/** A network as one pass sees it: its allocation (stored or decided in this pass) and its addresses. */
export interface PassNetwork {
  id: string;
  spec: NetworkSpec;
  subnet: Cidr;
  space: AddressSpace;
  /** Node id → its gateway on this network (stored, or given in this pass). */
  gateways: Record<string, string>;
}

/**
 * Every network's addresses for one pass (pure), rebuilt from the projection: networks without an
 * allocation get one (subnet, VNI, nominal gateway, MTU); each address space knows what is in use
 * (nominal and nodes' gateways, services' VIPs, addresses of tasks that have not ended) and what
 * waits after its release (ended tasks since their status time; the ledger's releases).
 */
export class PassIpam {
  readonly nets = new Map<string, PassNetwork>();
  readonly allocated: EventData<"NetworkAllocated">[] = [];
  /** Problems that block a network, in words (logged by the shell; retried each pass). */
  readonly problems: string[] = [];

  constructor(private readonly state: ClusterState, private readonly nowMs: number, private readonly quarantineMs: number) {}

  static build(state: ClusterState, now: Date, ledger: ReleaseLedger, quarantineMs: number): PassIpam {
    const p = new PassIpam(state, now.getTime(), quarantineMs);
    p.allocateNetworks();
    p.markUsed(ledger);
    return p;
  }

  /** The ingress network (the routing mesh's), when the cluster has one with an allocation. */
  ingress(): PassNetwork | undefined {
    for (const n of this.nets.values()) if (n.spec.Ingress) return n;
    return undefined;
  }

  private allocateNetworks(): void {
    const all = [...this.state.networks.values()].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
    const taken: Cidr[] = [];
    const vnis = new Set<number>();
    for (const n of all) {
      if (n.allocation) {
        taken.push(parseCidr(n.allocation.subnet));
        vnis.add(n.allocation.vni);
      } else {
        const user = n.spec.IPAM?.Config?.[0]?.Subnet;
        if (user) { try { taken.push(parseCidr(user)); } catch { /* refused below */ } }
      }
    }
    const cfg = poolConfigOf(this.state.cluster);
    for (const n of all) {
      if (n.allocation) {
        this.add(n, parseCidr(n.allocation.subnet), n.allocation.gateway, n.allocation.ipRange);
        continue;
      }
      try {
        const d = this.decide(n, cfg, taken, vnis);
        this.allocated.push(d);
        this.add(n, parseCidr(d.subnet), d.gateway, d.ipRange);
      } catch (err) {
        this.problems.push(`network ${n.spec.Name} (${n.id}): ${(err as Error).message}`);
      }
    }
  }

  /** A network's allocation: the user's subnet, gateway and range, or the pools' next free subnet and its first address. */
  private decide(n: NetworkView, cfg: ReturnType<typeof poolConfigOf>, taken: Cidr[], vnis: Set<number>): EventData<"NetworkAllocated"> {
    const ipam = n.spec.IPAM?.Config?.[0];
    const subnet = ipam?.Subnet ? parseCidr(ipam.Subnet) : chooseSubnet(cfg, taken);
    if (!ipam?.Subnet) taken.push(subnet);
    const gateway = ipam?.Gateway ?? formatIp(subnet.base + 1);
    parseIp(gateway);
    if (ipam?.IPRange) parseCidr(ipam.IPRange);
    const vni = chooseVni(vnis);
    vnis.add(vni);
    const sub = `${formatIp(subnet.base)}/${subnet.bits}`;
    return { networkId: n.id, subnet: sub, gateway, vni, mtu: mtuOf(n.spec), ...(ipam?.IPRange ? { ipRange: ipam.IPRange } : {}) };
  }

  private add(n: NetworkView, subnet: Cidr, gateway: string, ipRange?: string): void {
    const space = new AddressSpace(n.spec.Name, subnet, ipRange ? parseCidr(ipRange) : undefined);
    space.mark(parseIp(gateway));
    const gateways: Record<string, string> = {};
    for (const [nodeId, gw] of Object.entries(n.nodeGateways)) {
      // A removed node's gateway is free (the ledger keeps it waiting); a live one stays its own.
      if (!this.state.nodes.has(nodeId)) continue;
      gateways[nodeId] = gw;
      space.mark(parseIp(gw));
    }
    this.nets.set(n.id, { id: n.id, spec: n.spec, subnet, space, gateways });
  }

  private markUsed(ledger: ReleaseLedger): void {
    for (const s of this.state.services.values()) {
      if (s.removed) continue;
      for (const v of s.endpoint?.vips ?? []) this.nets.get(v.networkId)?.space.mark(addressOf(v.address));
    }
    for (const t of this.state.tasks.values()) {
      if (!t.networks) continue;
      const ended = isTerminal(t.state);
      for (const a of t.networks) {
        const space = this.nets.get(a.networkId)?.space;
        if (!space) continue;
        if (!ended) space.mark(addressOf(a.address));
        else space.quarantine(addressOf(a.address), Date.parse(t.statusAt) + this.quarantineMs);
      }
    }
    for (const [id, n] of this.nets) {
      for (const [address, at] of ledger.releasedSince(id, this.nowMs - this.quarantineMs)) {
        n.space.quarantine(addressOf(address), at + this.quarantineMs);
      }
    }
  }

  /** An address on `net` at this pass's time; ExhaustedError when none is left. */
  take(net: PassNetwork): string {
    return net.space.withPrefix(net.space.allocate(this.nowMs));
  }

  /** Gives an address taken in this pass back at once (a task whose other network failed). */
  giveBack(net: PassNetwork, address: string): void {
    net.space.release(addressOf(address), 0);
  }
}

export { ExhaustedError };
