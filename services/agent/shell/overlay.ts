import { vxlanOfBridge, type NetMapDoc } from "../../../schemas/index.js";
import { errorMessage } from "../../shared/errors/index.js";
import { every } from "../../shared/runtime/index.js";
import { type Logger } from "../../shared/telemetry/index.js";
import { clashMessage, inTheWay, ofThisCluster, planClear, type ClusterSelf, type EngineNetwork } from "../core/network-clash.js";
import { desiredPlumbing, diffFdb, diffNeigh, dockerConfigKey, dockerNetworkCreate, vxlanNeedsRecreate, type NetworkPlumbing } from "../core/overlay-plan.js";
import type { LocalNetwork, NetworkEngine } from "./docker-networks.js";
import type { NetKernel } from "./net-kernel.js";
import type { NetMaps } from "./netmaps.js";

export interface OverlayDeps {
  maps: NetMaps;
  engine: NetworkEngine;
  kernel: NetKernel;
  nodeId: string;
  /** This node's underlay address: its VTEP (the address it registered with). */
  local: string;
  log: Logger;
  /** Networks this node's tasks attach to. */
  used(): ReadonlySet<string>;
  /** How often everything is read again and repaired, ms. Default 5000. */
  resyncMs?: number;
}

/**
 * The node's overlay data plane (DESIGN §6b), level-triggered: each pass computes what every
 * network this node builds must look like (core/overlay-plan.ts), reads what the engine and the
 * kernel have, and applies only the difference — a Docker bridge network with this node's
 * gateway, a VXLAN device on its bridge, and static fdb/neighbour entries for every remote
 * endpoint and gateway. A pass runs on every map change, when a task waits for a network, and
 * every `resyncMs` (which repairs a bridge dockerd re-created, a device deleted behind the agent's
 * back, or anything an agent restart left half done). Passes never overlap; requests during a pass
 * run one more pass after it.
 */
export class Overlay {
  private readonly ready = new Map<string, NetworkPlumbing>();
  /** Why a network is not built on this node; `final`: nothing jetswarm does will clear it (a clash it may not remove). */
  private readonly problems = new Map<string, { message: string; final: boolean }>();
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private timer?: { stop(): void };
  private unlisten?: () => void;

  constructor(private readonly d: OverlayDeps) {}

  start(): void {
    this.unlisten = this.d.maps.onChange(() => this.kick());
    this.timer = every(this.d.resyncMs ?? 5000, () => this.kick(), this.d.log);
    void this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.stop();
    this.unlisten?.();
    await this.running;
  }

  /** Runs a pass (or one more after the current); resolves when it is done. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) { this.again = true; return this.running; }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass().catch((err: unknown) => this.d.log.warn("overlay pass failed", { err: errorMessage(err) }));
      } while (this.again && !this.stopped);
    })().finally(() => { this.running = undefined; });
    return this.running;
  }

  /** Why the network is not usable on this node yet, or undefined when it is. */
  blocked(networkId: string): string | undefined {
    if (this.ready.has(networkId)) return undefined;
    const name = this.d.maps.get(networkId)?.name ?? networkId;
    return this.problems.get(networkId)?.message ?? `waiting for network ${name} on this node`;
  }

  /** Whether the network's problem is final: its tasks are rejected with it rather than kept waiting. */
  cannotBuild(networkId: string): boolean {
    return this.problems.get(networkId)?.final ?? false;
  }

  /** This node's gateway on a network that is ready (the DNS server tasks use). */
  gateway(networkId: string): string | undefined {
    return this.ready.get(networkId)?.gateway;
  }

  private async pass(): Promise<void> {
    const maps = this.d.maps.current();
    const desired = desiredPlumbing(maps, this.d.used(), this.d.nodeId, this.d.local);
    const self = clusterSelf(maps.values(), this.d.nodeId);
    const existing = new Map((await this.d.engine.list()).map((n) => [n.name, n]));
    const wanted = new Set(desired.map((p) => p.networkId));
    for (const id of [...this.ready.keys()]) if (!wanted.has(id)) this.ready.delete(id);
    for (const p of desired) {
      try {
        const net = existing.get(p.dockerName);
        if (net && net.nodeId !== this.d.nodeId && ofThisCluster(net, self)) {
          // Another node's agent on this same engine built it (one kernel holds one bridge per
          // VNI): its tasks share that bridge and that node's gateway; that agent maintains it.
          await this.shared(p, net);
          continue;
        }
        // Another cluster's network under this name is in the way of the create (recreate clears it).
        await this.ensure(p, net?.nodeId === this.d.nodeId ? net : undefined, self);
        this.ready.set(p.networkId, p);
        this.problems.delete(p.networkId);
      } catch (err) {
        this.ready.delete(p.networkId);
        const clash = err instanceof NetworkClashError;
        const message = clash ? err.message : `network ${p.name} not ready on this node: ${errorMessage(err)}`;
        // Said once per problem, not on every pass (a clash can last).
        if (this.problems.get(p.networkId)?.message !== message) this.d.log.warn("network plumbing failed", { networkId: p.networkId, err: errorMessage(err) });
        this.problems.set(p.networkId, { message, final: clash && err.final });
      }
    }
    for (const n of existing.values()) if (!wanted.has(n.networkId) && n.nodeId === this.d.nodeId) await this.removeLocal(n);
  }

  private async shared(p: NetworkPlumbing, net: LocalNetwork): Promise<void> {
    if (!(await this.d.kernel.link(net.bridge))) throw new Error(`bridge ${net.bridge} of node ${net.nodeId}'s network is missing`);
    this.ready.set(p.networkId, { ...p, gateway: net.gateway });
    this.problems.delete(p.networkId);
  }

  private async ensure(p: NetworkPlumbing, net: LocalNetwork | undefined, self: ClusterSelf): Promise<void> {
    const k = this.d.kernel;
    // Another subnet/gateway/VNI/MTU, or a bridge deleted behind the engine's back: the Docker
    // network is made again and its containers re-connected with their addresses.
    const bridgeGone = net ? !(await k.link(p.bridge)) : false;
    if (!net || net.config !== dockerConfigKey(p) || bridgeGone) await this.recreate(p, net, self);
    const br = await k.link(p.bridge);
    if (!br) throw new Error(`bridge ${p.bridge} missing after docker network create`);
    if (br.address !== p.bridgeMac) await k.setAddress(p.bridge, p.bridgeMac);
    let vx = await k.vxlan(p.vxlan);
    if (vx && vxlanNeedsRecreate(vx, p)) { await k.deleteLink(p.vxlan); vx = undefined; }
    if (!vx) await k.addVxlan(p);
    if (!vx || vx.master !== p.bridge || vx.mtu !== p.mtu || !vx.up) await k.attachVxlan(p);
    const fdb = diffFdb(await k.fdb(p.vxlan), p.fdb);
    for (const e of fdb.del) await k.delFdb(p.vxlan, e);
    for (const e of fdb.add) await k.addFdb(p.vxlan, e);
    const neigh = diffNeigh(await k.neigh(p.vxlan), p.neigh);
    for (const e of neigh.del) await k.delNeigh(p.vxlan, e);
    for (const e of neigh.add) await k.setNeigh(p.vxlan, e);
    if (fdb.add.length + fdb.del.length + neigh.add.length + neigh.del.length) {
      this.d.log.debug("overlay entries updated", { networkId: p.networkId, fdbAdded: fdb.add.length, fdbRemoved: fdb.del.length, neighSet: neigh.add.length, neighRemoved: neigh.del.length });
    }
  }

  private async recreate(p: NetworkPlumbing, net: LocalNetwork | undefined, self: ClusterSelf): Promise<void> {
    const containers = net ? await this.d.engine.attached(net.name) : [];
    if (net) {
      await this.d.kernel.deleteLink(p.vxlan);
      // Made under another name before (a map that gained its cluster id): that device goes too.
      const old = vxlanOfBridge(net.bridge);
      if (old && old !== p.vxlan) await this.d.kernel.deleteLink(old);
      await this.d.engine.remove(net.name, containers);
    }
    await this.clearWay(p, self);
    await this.d.engine.create(dockerNetworkCreate(p, this.d.nodeId));
    for (const c of containers) await this.d.engine.connect(p.dockerName, c);
    this.d.log.info(net ? "network made again" : "network created", { networkId: p.networkId, bridge: p.bridge, reconnected: containers.length });
  }

  /**
   * Before a create: the engine's networks in its way (its subnet, or its name). Those of another
   * cluster that no container uses are removed (core/network-clash.ts); anything else that still
   * clashes is thrown, naming the network, for the tasks that wait.
   */
  private async clearWay(p: NetworkPlumbing, self: ClusterSelf): Promise<void> {
    const obstacles = [];
    for (const n of inTheWay(p, await this.d.engine.all(), self)) {
      const inUse = n.jetswarm ? (await this.d.engine.attached(n.name).catch(() => [])).length > 0 : true;
      obstacles.push({ ...n, inUse });
    }
    const plan = planClear(p, obstacles, self);
    for (const n of plan.remove) {
      // The engine refuses (a leaked endpoint count): as final as a network in use.
      await this.removeStale(n).catch((err: unknown) => {
        throw new NetworkClashError(clashMessage(p, n, `another cluster's, which docker refuses to remove: ${errorMessage(err)}`), true);
      });
    }
    if (plan.blocked) throw new NetworkClashError(plan.blocked.message, plan.blocked.final);
  }

  /** Another cluster's network no container uses: its VXLAN device and the Docker network go. */
  private async removeStale(n: EngineNetwork): Promise<void> {
    const net = (await this.d.engine.list()).find((x) => x.name === n.name);
    const vx = net && vxlanOfBridge(net.bridge);
    if (vx) await this.d.kernel.deleteLink(vx);
    await this.d.engine.remove(n.name, []);
    this.d.log.info("stale network of another cluster removed", { network: n.name, nodeId: n.jetswarm?.nodeId, clusterId: n.jetswarm?.clusterId, subnets: n.subnets.join(",") });
  }

  /** A network this node no longer builds: its VXLAN device and Docker network go (the bridge with it). */
  private async removeLocal(n: LocalNetwork): Promise<void> {
    try {
      const attached = await this.d.engine.attached(n.name);
      if (attached.length) return; // a container still uses it: a later pass removes it
      const vx = vxlanOfBridge(n.bridge);
      if (vx) await this.d.kernel.deleteLink(vx);
      await this.d.engine.remove(n.name, []);
      this.d.log.info("network removed from this node", { networkId: n.networkId });
    } catch (err) {
      this.d.log.warn("network not removed", { networkId: n.networkId, err: errorMessage(err) });
    }
  }
}

/** A network that cannot be created because another holds its subnet or name. */
class NetworkClashError extends Error {
  constructor(message: string, readonly final: boolean) {
    super(message);
    this.name = "NetworkClashError";
  }
}

/** This node's cluster as its maps tell it: their cluster id and every node they name. */
function clusterSelf(maps: Iterable<NetMapDoc>, nodeId: string): ClusterSelf {
  const members = new Set([nodeId]);
  let clusterId: string | undefined;
  for (const m of maps) {
    clusterId ??= m.clusterId;
    for (const n of m.nodes) members.add(n.nodeId);
  }
  return { nodeId, members, ...(clusterId ? { clusterId } : {}) };
}
