import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { FdbEntry, NeighEntry, NetworkPlumbing, VxlanState } from "../core/overlay-plan.js";

/*
 * The node's kernel side of the overlay (DESIGN §6b) through iproute2: read with `-json`, change
 * with one command per entry, run with execFile (no shell). The commands run in the namespace of
 * the process (the node's), or through `Exec` (tests drive a test host's namespace with nsenter).
 */

/** Runs a command; resolves with stdout, rejects with its stderr in the message. */
export type Exec = (cmd: string, args: string[]) => Promise<string>;

const run = promisify(execFile);

function execError(cmd: string, args: string[], err: unknown): Error {
  const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
  return new Error(`${cmd} ${args.join(" ")}: ${stderr || (err as Error).message}`, { cause: err });
}

/** Runs commands in this process's namespace. */
export const localExec: Exec = async (cmd, args) => {
  try {
    return (await run(cmd, args, { maxBuffer: 16 << 20 })).stdout;
  } catch (err) {
    throw execError(cmd, args, err);
  }
};

/** Runs commands in the network namespace at `path` (`/var/run/netns/<name>`). */
export function nsenterExec(path: string): Exec {
  return (cmd, args) => localExec("nsenter", [`--net=${path}`, cmd, ...args]);
}

interface LinkJson {
  ifname: string;
  address?: string;
  mtu: number;
  master?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number; learning?: boolean; proxy?: boolean } };
}

export class NetKernel {
  constructor(private readonly exec: Exec = localExec) {}

  /** A link's details, or undefined when there is no such device. */
  async link(name: string): Promise<LinkJson | undefined> {
    try {
      return (JSON.parse(await this.exec("ip", ["-json", "-d", "link", "show", "dev", name])) as LinkJson[])[0];
    } catch (err) {
      if (/does not exist/.test((err as Error).message)) return undefined;
      throw err;
    }
  }

  /** Names of links whose name starts with `prefix`. */
  async linkNames(prefix: string): Promise<string[]> {
    const all = JSON.parse(await this.exec("ip", ["-json", "link", "show"])) as LinkJson[];
    return all.map((l) => l.ifname).filter((n) => n.startsWith(prefix));
  }

  async vxlan(name: string): Promise<VxlanState | undefined> {
    const l = await this.link(name);
    const d = l?.linkinfo?.info_data;
    if (!l || l.linkinfo?.info_kind !== "vxlan" || !d) return undefined;
    return {
      id: d.id ?? 0, learning: d.learning ?? true, proxy: d.proxy ?? false, mtu: l.mtu, up: (l.flags ?? []).includes("UP"),
      ...(d.local ? { local: d.local } : {}), ...(d.port !== undefined ? { port: d.port } : {}), ...(l.master ? { master: l.master } : {}),
    };
  }

  async addVxlan(p: NetworkPlumbing): Promise<void> {
    await this.exec("ip", ["link", "add", p.vxlan, "type", "vxlan", "id", String(p.vni), "dstport", "4789", "local", p.local, "nolearning", "proxy"]);
  }

  /** Port of the bridge, the network's MTU, up. */
  async attachVxlan(p: NetworkPlumbing): Promise<void> {
    await this.exec("ip", ["link", "set", p.vxlan, "mtu", String(p.mtu), "master", p.bridge, "up"]);
  }

  async setAddress(dev: string, mac: string): Promise<void> {
    await this.exec("ip", ["link", "set", dev, "address", mac]);
  }

  async deleteLink(name: string): Promise<void> {
    await this.exec("ip", ["link", "del", name]).catch((err: Error) => { if (!/does not exist|Cannot find device/.test(err.message)) throw err; });
  }

  /** The static (`self`, with a destination) entries of the VXLAN device. */
  async fdb(vx: string): Promise<FdbEntry[]> {
    const all = JSON.parse(await this.exec("bridge", ["-json", "fdb", "show", "dev", vx])) as { mac: string; dst?: string; flags?: string[] }[];
    return all.filter((e) => e.dst && (e.flags ?? []).includes("self")).map((e) => ({ mac: e.mac, dst: e.dst! }));
  }

  async addFdb(vx: string, e: FdbEntry): Promise<void> {
    await this.exec("bridge", ["fdb", "append", e.mac, "dev", vx, "dst", e.dst, "self", "permanent"]);
  }

  async delFdb(vx: string, e: FdbEntry): Promise<void> {
    await this.exec("bridge", ["fdb", "del", e.mac, "dev", vx, "dst", e.dst, "self"]);
  }

  async neigh(vx: string): Promise<NeighEntry[]> {
    const all = JSON.parse(await this.exec("ip", ["-json", "neigh", "show", "dev", vx])) as { dst: string; lladdr?: string }[];
    return all.filter((e) => e.lladdr).map((e) => ({ ip: e.dst, mac: e.lladdr! }));
  }

  async setNeigh(vx: string, e: NeighEntry): Promise<void> {
    await this.exec("ip", ["neigh", "replace", e.ip, "lladdr", e.mac, "dev", vx, "nud", "permanent"]);
  }

  async delNeigh(vx: string, e: NeighEntry): Promise<void> {
    await this.exec("ip", ["neigh", "del", e.ip, "dev", vx]);
  }
}
