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
  /** The mesh's own sync loop (a pass's mesh half, or the fast path alone): never two at once. */
  private meshRunning: Promise<void> | undefined;
  private meshAgain = false;
  /** The pass that applies the VIP changes held back in a batch (VipInstaller), at their due time. */
  private due: { at: number; timer: NodeJS.Timeout } | undefined;
  private stopped = false;
  private readonly pids = new Map<string, number>();

  constructor(private readonly o: ServiceNetOptions) {
    const tools = new NetTools(o.exec);
    this.vips = new VipInstaller(o.log, tools);
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
   * A task of this node reached running: its routing-mesh backend (published ports) now, from the
   * newest maps, without waiting behind a pass in flight (whose VIP half syncs every container's
   * table); then a full pass, which stays the source of truth. Without a pass in flight the new
   * pass's mesh half starts at once anyway: nothing more is needed. Resolves when both are done.
   */
  taskRunning(maps: readonly NetMapDoc[]): Promise<void> {
    const busy = this.running !== undefined;
    this.maps = maps;
    // A failure of the fast sync is the pass's to report: it syncs the mesh again after.
    const fast = busy ? this.syncMesh().catch(() => undefined) : undefined;
    const full = this.update(maps);
    return fast ? Promise.all([fast, full]).then(() => undefined) : full;
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
    this.stopped = true;
    this.wakeAt(undefined);
    await Promise.all([this.running?.catch(() => undefined), this.meshRunning?.catch(() => undefined)]);
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
    const [client, mesh] = await Promise.allSettled([this.clientSide(maps), this.syncMesh()]);
    // The VIP sync's word on held-back changes: the one place a later pass is scheduled. (A pass
    // whose VIP half failed leaves the schedule as it was.)
    if (client.status === "fulfilled") this.wakeAt(client.value);
    for (const r of [client, mesh]) if (r.status === "rejected") throw r.reason;
  }

  /** A pass at `at` (Date.now() ms) replaces any scheduled before; undefined: none. */
  private wakeAt(at: number | undefined): void {
    if (this.due?.at === at) return;
    if (this.due) clearTimeout(this.due.timer);
    this.due = undefined;
    if (at === undefined || this.stopped) return;
    const timer = setTimeout(() => { this.due = undefined; void this.update(this.maps); }, Math.max(0, at - Date.now()));
    timer.unref();
    this.due = { at, timer };
  }

  /** The mesh from the newest maps; joins a sync in flight and runs once more after it (its state may predate the call). */
  private syncMesh(): Promise<void> {
    if (this.meshRunning) { this.meshAgain = true; return this.meshRunning; }
    this.meshRunning = this.meshLoop().finally(() => { this.meshRunning = undefined; });
    return this.meshRunning;
  }

  private async meshLoop(): Promise<void> {
    let failed: unknown;
    do {
      this.meshAgain = false;
      failed = await this.mesh.sync(this.maps, this.o.localServing?.()).then(() => undefined, (err: unknown) => err ?? new Error("mesh sync failed"));
    } while (this.meshAgain);
    if (failed) throw failed;
  }

  /** The containers' VIP rules and the DNS server; answers when a held-back VIP change is due. */
  private async clientSide(maps: readonly NetMapDoc[]): Promise<number | undefined> {
    // Rules first: a container's VIP answer is held until its rules exist, never the reverse.
    const clients: NetClient[] = await localClients(this.o.docker, this.o.nodeId, maps, this.pids);
    const due = await this.vips.sync(maps, clients);
    this.dns.serve(gatewaysOf(maps, this.o.nodeId));
    return due;
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

/**
 * Drives `net` from the node's maps: on every change, on `kick()` and every `resyncMs`;
 * `taskRunning()` when a task of this node reached running (its mesh backend first).
 */
export function followMaps(net: ServiceNet, maps: NetMaps, log: Logger, resyncMs = 3000): { kick(): void; taskRunning(): void; stop(): Promise<void> } {
  const current = () => [...maps.current().values()];
  const kick = () => void net.update(current());
  const taskRunning = () => void net.taskRunning(current());
  const unlisten = maps.onChange(kick);
  const timer = every(resyncMs, kick, log);
  kick();
  return { kick, taskRunning, stop: async () => { unlisten(); timer.stop(); await net.stop(); } };
}
