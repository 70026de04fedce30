import type Docker from "dockerode";
import type { NetMapDoc } from "../../../schemas/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { DnsServer, type Upstream } from "./dns-server.js";
import { MeshInstaller } from "./mesh-installer.js";
import { localClients } from "./net-clients.js";
import { NetTools } from "./net-commands.js";
import { netnsSockets } from "./ns-sockets.js";
import type { Exec } from "./net-kernel.js";
import type { NetMaps } from "./netmaps.js";
import { every } from "../../shared/runtime/index.js";
import { VipInstaller, type NetClient } from "./vip-installer.js";

export interface ServiceNetOptions {
  log: Logger;
  nodeId: string;
  /** The node's engine (to find its task containers' namespaces). */
  docker: Docker;
  /** DNS: where names that are not ours go (default: the host's resolv.conf) and the port (53). */
  upstreams?: Upstream[];
  dnsPort?: number;
  /** Longest a VIP answer waits for the asker's rules, ms. Default 2000. */
  holdMs?: number;
  /** Runs nft/iptables/conntrack/ip/sysctl in the node's namespace (default: this process's). */
  exec?: Exec;
  /**
   * The node's network namespace when it is not this process's (`/var/run/netns/<name>`; the one
   * `exec` enters): the DNS server's sockets are opened there, where the gateway addresses are.
   */
  netns?: string;
  /**
   * This node's tasks whose containers its agent saw running and still wants: the mesh sends to
   * them before the map (status → allocator) says they serve.
   */
  localServing?: () => ReadonlySet<string>;
  /** The resolv.conf whose nameservers get names that are not ours (without `upstreams`). Default /etc/resolv.conf. */
  resolvConf?: string;
}

/**
 * Service discovery and load balancing on one node (DESIGN §6b), driven by the networks' maps:
 * the DNS server on this node's gateway of every network the node is on, the VIP rules in every
 * local task container's netns, and the routing mesh. `update(maps)` is level-triggered: call it
 * with the current maps on every change and periodically (it also picks up containers that
 * started since); updates never overlap, and a burst collapses into one pass over the newest maps.
 */
export class ServiceNet {
  private maps: readonly NetMapDoc[] = [];
  private readonly dns: DnsServer;
  private readonly vips: VipInstaller;
  private readonly mesh: MeshInstaller;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly pids = new Map<string, number>();

  constructor(private readonly o: ServiceNetOptions) {
    const tools = new NetTools(o.exec);
    this.vips = new VipInstaller(o.log, tools, () => void this.update(this.maps));
    this.mesh = new MeshInstaller(o.log, o.nodeId, tools);
    this.dns = new DnsServer({
      log: o.log, maps: () => this.maps, rulesReady: (ip, vip) => this.rulesReady(ip, vip),
      ...(o.upstreams ? { upstreams: o.upstreams } : {}), ...(o.dnsPort ? { port: o.dnsPort } : {}), ...(o.holdMs ? { holdMs: o.holdMs } : {}),
      ...(o.netns ? { sockets: netnsSockets(o.netns) } : {}), ...(o.resolvConf ? { resolvConf: o.resolvConf } : {}),
    });
  }

  /** Applies these maps (the current ones: every map this node uses). Resolves when applied. */
  update(maps: readonly NetMapDoc[]): Promise<void> {
    this.maps = maps;
    if (this.running) { this.again = true; return this.running; }
    this.running = this.loop().finally(() => { this.running = undefined; });
    return this.running;
  }

  /**
   * Resolves once the asker has rules for the VIP. A container that asks before a pass has seen
   * it (it just started) triggers one: the start-up race between a container and its rules.
   */
  private rulesReady(ip: string, vip: string): Promise<void> {
    const ready = this.vips.ready(ip, vip);
    if (!this.vips.has(ip, vip)) void this.update(this.maps);
    return ready;
  }

  /** The VIP targets installed in a local task's netns. */
  vipTargetsOf(taskId: string) {
    return this.vips.targetsOf(taskId);
  }

  /** The addresses the DNS server answers on. */
  dnsAddresses(): string[] {
    return this.dns.bound();
  }

  async stop(): Promise<void> {
    await this.running?.catch(() => undefined);
    this.dns.close();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.pass(this.maps).catch((err: Error) => this.o.log.warn("service networking pass failed", { error: err.message }));
    } while (this.again);
  }

  private async pass(maps: readonly NetMapDoc[]): Promise<void> {
    // The mesh (host namespace) does not depend on the containers' VIP rules: both at once.
    const results = await Promise.allSettled([this.clientSide(maps), this.mesh.sync(maps, this.o.localServing?.())]);
    for (const r of results) if (r.status === "rejected") throw r.reason;
  }

  private async clientSide(maps: readonly NetMapDoc[]): Promise<void> {
    // Rules first: a container's VIP answer is held until its rules exist, never the reverse.
    const clients: NetClient[] = await localClients(this.o.docker, this.o.nodeId, maps, this.pids);
    await this.vips.sync(maps, clients);
    this.dns.serve(gatewaysOf(maps, this.o.nodeId));
  }
}

/** This node's gateway address on every live network whose map lists the node. */
export function gatewaysOf(maps: readonly NetMapDoc[], nodeId: string): string[] {
  return maps.filter((m) => !m.removed).flatMap((m) => m.nodes.filter((n) => n.nodeId === nodeId).map((n) => n.gateway));
}

/** What the agent needs to run service networking besides the maps (ServiceNetOptions less the node's own). */
export type ServiceNetDeps = Omit<ServiceNetOptions, "log" | "nodeId"> & {
  /** Full pass period (new containers, repairs), ms. Default 3000. */
  resyncMs?: number;
};

/** Drives `net` from the node's maps: on every change, on `kick()` and every `resyncMs`. */
export function followMaps(net: ServiceNet, maps: NetMaps, log: Logger, resyncMs = 3000): { kick(): void; stop(): Promise<void> } {
  const kick = () => void net.update([...maps.current().values()]);
  const unlisten = maps.onChange(kick);
  const timer = every(resyncMs, kick, log);
  kick();
  return { kick, stop: async () => { unlisten(); timer.stop(); await net.stop(); } };
}
