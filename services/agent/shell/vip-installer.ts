import type { NetMapDoc } from "../../../schemas/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { onlyAddsBackends, removedBackends, vipScript, vipTargets, type VipTarget } from "../core/vip-rules.js";
import type { NetTools } from "./net-commands.js";

/** A task container on this node that may call service VIPs: its netns (by pid) and its addresses. */
export interface NetClient {
  taskId: string;
  pid: number;
  networks: { networkId: string; ip: string }[];
}

/** A container's table is reloaded for backends merely added to working VIPs at most this often, ms. */
export const VIP_BATCH_MS = 1500;

interface Installed {
  pid: number;
  /** When it was loaded (Date.now()). */
  at: number;
  script: string;
  targets: VipTarget[];
  ips: string[];
}

/**
 * Keeps the VIP table (core/vip-rules) of every local task container's netns equal to the maps
 * (DESIGN §6b): the script is reloaded only when it changed; the conntrack entries of backends
 * that left are flushed in that netns so established flows move. `ready(ip, vip)` is what the DNS
 * server waits on before it answers a VIP to that container. Backends only added to VIPs that
 * already have some are batched (VIP_BATCH_MS per container; `sync` answers when the first batch
 * falls due, and ServiceNet's pass loop runs a pass then): a scale-up of n tasks
 * no longer reloads every client's table n times (measured: 50 tasks of a stack, each reload an
 * `nsenter … nft` competing with dockerd for the cores). New clients, removed backends and a VIP's
 * first backend are applied at once.
 */
export class VipInstaller {
  private readonly installed = new Map<string, Installed>();
  private waiters: { ip: string; vip: string; resolve: () => void }[] = [];

  /** `now`: the clock batches are timed by (ms since the epoch). */
  constructor(private readonly log: Logger, private readonly tools: NetTools, private readonly now: () => number = Date.now) {}

  /**
   * Applies the maps to these clients. Resolves with when the earliest change it held back (a
   * batch) falls due (`now()` ms), or undefined when nothing waits: the caller syncs again then.
   */
  async sync(maps: readonly NetMapDoc[], clients: readonly NetClient[]): Promise<number | undefined> {
    const live = new Set(clients.map((c) => c.taskId));
    for (const taskId of this.installed.keys()) if (!live.has(taskId)) this.installed.delete(taskId);
    const due = await Promise.all(clients.map((c) => this.syncOne(maps, c)));
    this.wake();
    const held = due.filter((at): at is number => at !== undefined);
    return held.length ? Math.min(...held) : undefined;
  }

  /** Resolves once the container at `ip` has rules for `vip` (at once if it has them). */
  ready(ip: string, vip: string): Promise<void> {
    if (this.has(ip, vip)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ ip, vip, resolve }));
  }

  /** The VIP targets installed in a task's netns (for tests and diagnostics). */
  targetsOf(taskId: string): VipTarget[] | undefined {
    return this.installed.get(taskId)?.targets;
  }

  /** Installs one client's table, or answers when it is due (a batch held back). */
  private async syncOne(maps: readonly NetMapDoc[], c: NetClient): Promise<number | undefined> {
    const targets = vipTargets(maps, c.networks.map((n) => n.networkId));
    const script = vipScript(targets);
    const before = this.installed.get(c.taskId);
    if (before && before.pid === c.pid && before.script === script) return undefined;
    const due = before && before.pid === c.pid && onlyAddsBackends(before.targets, targets) ? before.at + VIP_BATCH_MS : 0;
    if (due > this.now()) return due;
    try {
      await this.tools.nftLoad(script, c.pid);
    } catch (err) {
      // The container may have just stopped (its netns is gone); the next sync retries the rest.
      this.log.warn("vip rules not installed", { taskId: c.taskId, error: (err as Error).message });
      return undefined;
    }
    this.installed.set(c.taskId, { pid: c.pid, at: this.now(), script, targets, ips: c.networks.map((n) => n.ip) });
    if (before && before.pid === c.pid) await this.flush(c, removedBackends(before.targets, targets));
    return undefined;
  }

  private async flush(c: NetClient, gone: string[]): Promise<void> {
    for (const ip of gone) {
      await this.tools.conntrackFlush(ip, c.pid).catch((err: Error) => this.log.warn("conntrack flush failed", { taskId: c.taskId, ip, error: err.message }));
    }
  }

  has(ip: string, vip: string): boolean {
    for (const i of this.installed.values()) if (i.ips.includes(ip) && i.targets.some((t) => t.vip === vip)) return true;
    return false;
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) {
      if (this.has(w.ip, w.vip)) w.resolve();
      else this.waiters.push(w);
    }
  }
}
