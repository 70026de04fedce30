import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localExec, type Exec } from "./net-kernel.js";

/*
 * The host tools the service-networking shell drives (DESIGN §6b: nftables, conntrack, iptables,
 * iproute2). Commands for the node's own namespace go through `exec` (the process's namespace, or
 * a test host's through nsenter); commands for a task container's namespace enter it by the
 * container's pid (pids are global: the engine's containers live in the host's pid namespace).
 */
export class NetTools {
  constructor(private readonly exec: Exec = localExec) {}

  /** Loads an nftables script atomically: in the node's namespace, or a container's (by pid). */
  async nftLoad(script: string, pid?: number): Promise<void> {
    // Through a file: Exec has no stdin, and nsenter keeps the mount namespace (the path is valid).
    const dir = await mkdtemp(join(tmpdir(), "jetswarm-nft-"));
    const file = join(dir, "rules.nft");
    try {
      await writeFile(file, script, { mode: 0o600 });
      if (pid === undefined) await this.exec("nft", ["-f", file]);
      else await localExec("nsenter", ["-t", String(pid), "-n", "nft", "-f", file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Deletes the conntrack entries of flows whose reply comes from `ip` (a backend that left: after
   * DNAT the original destination is the VIP, so the backend is the reply source), in a
   * container's namespace or the node's. conntrack exits 1 when nothing matched: not an error.
   */
  async conntrackFlush(ip: string, pid?: number): Promise<void> {
    const args = ["-D", "--reply-src", ip];
    try {
      if (pid === undefined) await this.exec("conntrack", args);
      else await localExec("nsenter", ["-t", String(pid), "-n", "conntrack", ...args]);
    } catch (err) {
      if (/0 flow entries have been deleted/.test((err as Error).message)) return;
      throw err;
    }
  }

  /** Runs a tool in the node's namespace. */
  run(cmd: string, args: string[]): Promise<string> {
    return this.exec(cmd, args);
  }
}
