import { bridgeName, wireVni, type NetMapDoc } from "../../../schemas/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { MESH_TABLE, meshPorts, meshScript, type MeshPort } from "../core/mesh-rules.js";
import type { NetTools } from "./net-commands.js";

/**
 * The node's routing mesh (DESIGN §6b): table `ip jetswarm_mesh` from the ingress network's map,
 * plus what the kernel and Docker need around it — `DOCKER-USER` accepting DNATed connections to
 * the ingress bridge (Docker's isolation rules drop traffic between bridges otherwise), every
 * port of that bridge in hairpin mode (a replica reached through its own node's published port),
 * and `route_localnet` on the bridge so `localhost:<published>` from the host can be DNATed to it.
 */
export class MeshInstaller {
  private script = "";
  private backends: string[] = [];
  /** The bridge whose settings were last applied in full, and the syncs since (periodic repair). */
  private settled = "";
  private sinceSettled = 0;
  /** Tasks the map has called serving (while their endpoints are on it). */
  private readonly served = new Set<string>();

  /**
   * `settleEvery`: a sync whose script and bridge did not change skips the bridge's settings (the
   * sysctl, `ip` and iptables execs) except every this many syncs, which repairs a bridge dockerd
   * re-created or a rule deleted behind the agent's back.
   */
  constructor(private readonly log: Logger, private readonly nodeId: string, private readonly tools: NetTools, private readonly settleEvery = 5) {}

  /**
   * `local`: this node's tasks its agent runs and still wants. One the map has not yet called
   * serving is meshed at once, unless the map has called it serving before (then the map's word
   * holds: a task leaving is unmeshed before its container stops).
   */
  async sync(maps: readonly NetMapDoc[], local: ReadonlySet<string> = new Set()): Promise<void> {
    const ingress = maps.find((m) => m.ingress && !m.removed);
    const gateway = ingress?.nodes.find((n) => n.nodeId === this.nodeId)?.gateway;
    if (!ingress || !gateway) return this.clear();
    const ports = meshPorts(ingress, this.early(ingress, local));
    const script = meshScript(ports, gateway);
    const bridge = bridgeName(wireVni(ingress));
    const changed = script !== this.script;
    const settle = changed || this.settled !== bridge || ++this.sinceSettled >= this.settleEvery;
    // The table and the bridge's settings are independent: applied together, not one after the other.
    await Promise.all([settle ? this.bridgeSettings(bridge) : undefined, changed ? this.load(script, ports) : undefined]);
  }

  private async load(script: string, ports: MeshPort[]): Promise<void> {
    await this.tools.nftLoad(script);
    const now = new Set(ports.flatMap((p) => p.backends));
    const gone = this.backends.filter((ip) => !now.has(ip));
    this.script = script;
    this.backends = [...now];
    for (const ip of gone) await this.tools.conntrackFlush(ip).catch((err: Error) => this.log.warn("conntrack flush failed", { ip, error: err.message }));
    this.log.info("routing mesh updated", { ports: ports.map((p) => `${p.published}/${p.protocol}→${p.backends.length}`) });
  }

  private early(ingress: NetMapDoc, local: ReadonlySet<string>): Set<string> {
    const ids = new Set(ingress.endpoints.map((e) => e.taskId));
    for (const id of this.served) if (!ids.has(id)) this.served.delete(id);
    for (const e of ingress.endpoints) if (e.serving) this.served.add(e.taskId);
    return new Set(ingress.endpoints.filter((e) => e.nodeId === this.nodeId && !e.serving && local.has(e.taskId) && !this.served.has(e.taskId)).map((e) => e.taskId));
  }

  async clear(): Promise<void> {
    this.settled = "";
    if (this.script === "") return;
    await this.tools.nftLoad(`add table ip ${MESH_TABLE}\ndelete table ip ${MESH_TABLE}\n`);
    this.script = "";
    this.backends = [];
  }

  /**
   * Idempotent; the bridge may not exist yet (the overlay builds it): then the next sync retries.
   * Marks the bridge settled only when every step was applied.
   */
  private async bridgeSettings(bridge: string): Promise<void> {
    this.settled = "";
    this.sinceSettled = 0;
    const ports = await this.bridgePorts(bridge);
    if (!ports) return;
    const ok = await Promise.all([
      this.tools.run("sysctl", ["-q", "-w", `net.ipv4.conf.${bridge}.route_localnet=1`]).then(() => true, () => false),
      ...ports.map((p) => this.tools.run("ip", ["link", "set", "dev", p, "type", "bridge_slave", "hairpin", "on"]).then(() => true, () => false)),
      this.dockerUserAll(bridge),
    ]);
    if (ok.every(Boolean)) this.settled = bridge;
  }

  /** One after the other: concurrent iptables calls contend for the xtables lock. */
  private async dockerUserAll(bridge: string): Promise<boolean> {
    let ok = true;
    for (const rule of dockerUserRules(bridge)) ok = (await this.dockerUser(bridge, rule)) && ok;
    return ok;
  }

  private async dockerUser(bridge: string, rule: string[]): Promise<boolean> {
    const present = await this.tools.run("iptables", ["-C", ...rule]).then(() => true, () => false);
    if (present) return true;
    return this.tools.run("iptables", ["-I", ...rule]).then(() => true, (err: Error) => {
      this.log.warn("DOCKER-USER rule not added", { bridge, error: err.message });
      return false;
    });
  }

  /** The bridge's ports without hairpin mode yet (undefined: no such bridge). */
  private async bridgePorts(bridge: string): Promise<string[] | undefined> {
    const out = await this.tools.run("ip", ["-d", "-j", "link", "show", "master", bridge]).catch(() => undefined);
    if (out === undefined) return undefined;
    const links = JSON.parse(out || "[]") as { ifname: string; linkinfo?: { info_slave_data?: { hairpin?: boolean } } }[];
    return links.filter((l) => l.linkinfo?.info_slave_data?.hairpin !== true).map((l) => l.ifname);
  }
}

/**
 * Both directions of DNATed connections through the ingress bridge: Docker's isolation rules
 * drop traffic between two of its bridges (a client on another bridge reaching the mesh), and
 * DOCKER-USER is evaluated before them.
 */
export function dockerUserRules(bridge: string): string[][] {
  return ["-o", "-i"].map((dir) => ["DOCKER-USER", dir, bridge, "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT"]);
}
