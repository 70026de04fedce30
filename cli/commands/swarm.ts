import type { Command } from "commander";
import { hostname } from "node:os";
import type { ApiClient } from "../client.js";
import { clientOf, collect, print } from "./common.js";
import { durationFlag } from "./service-duration.js";
import { decimal } from "./decimal.js";

/**
 * Where `swarm join` should point: the advertised address, else the host:port of the api that
 * answered; through the local socket, this host on the default port.
 */
function joinAddr(client: ApiClient, advertise?: string): string {
  const api = new URL(client.answeredBy ?? client.hosts[0]!);
  if (advertise) return /:\d+$/.test(advertise) ? advertise : `${advertise}:${api.port || "4280"}`;
  return api.protocol === "unix:" ? `${hostname()}:4280` : api.host;
}

export function joinBlock(role: "worker" | "manager", token: string, addr: string): string {
  return `To add a ${role} to this swarm, run the following command:\n\n    swarm join --token ${token} ${addr}\n`;
}

/** `swarm init` and `swarm join-token` (`swarm join` itself is the launcher's, in up.ts). */
export function registerSwarm(program: Command): void {
  program
    .command("init")
    .description("initialize a swarm")
    .option("--advertise-addr <addr>", "advertised address (format: <ip|interface>[:port])")
    .option("--node-name <name>", "name of this node (default: the host name)")
    .option("--task-history-limit <n>", "task history retention limit (default 5; negative: keep all)")
    .option("--dispatcher-heartbeat <duration>", "dispatcher heartbeat period (default 2s)")
    .option("--cert-expiry <duration>", "validity period for node certificates (ns|us|ms|s|m|h) (default 2160h0m0s)")
    .option("--default-addr-pool <cidr>", "default address pool in CIDR format (repeatable; default 10.0.0.0/8)", collect, [])
    .option("--default-addr-pool-mask-length <n>", "default address pool subnet mask length (default 24)")
    .action(async (o: { advertiseAddr?: string; nodeName?: string } & SwarmSettingsFlags & PoolFlags, cmd: Command) => {
      const client = clientOf(cmd);
      const settings = parseSwarmSettings(o);
      const r = await client.init({
        NodeName: o.nodeName, AdvertiseAddr: o.advertiseAddr,
        TaskHistoryRetentionLimit: settings.TaskHistoryRetentionLimit, HeartbeatPeriodMs: settings.HeartbeatPeriodMs,
        NodeCertExpiryMs: settings.NodeCertExpiryMs, ...addressPoolRequest(o),
      });
      const info = await client.swarm();
      print(
        `Swarm initialized: current node (${r.NodeID}) is now a manager.\n\n` +
        joinBlock("worker", info.JoinTokens.Worker, joinAddr(client, o.advertiseAddr)) +
        `\nTo add a manager to this swarm, run 'swarm join-token manager' and follow the instructions.\n`,
      );
    });

  program
    .command("update")
    .description("update the swarm")
    .option("--task-history-limit <n>", "task history retention limit (negative: keep all)")
    .option("--dispatcher-heartbeat <duration>", "dispatcher heartbeat period (ns|us|ms|s|m|h)")
    .option("--cert-expiry <duration>", "validity period for node certificates (ns|us|ms|s|m|h)")
    .action(async (o: SwarmSettingsFlags, cmd: Command) => {
      print(await updateSwarm(clientOf(cmd), o));
    });

  program
    .command("join-token <role>")
    .description("manage join tokens (worker|manager)")
    .option("-q, --quiet", "only display token")
    .option("--rotate", "rotate join token")
    .action(async (role: string, o: { quiet?: boolean; rotate?: boolean }, cmd: Command) => {
      if (role !== "worker" && role !== "manager") throw new Error(`unknown role ${role}`);
      const client = clientOf(cmd);
      let rotated = "";
      if (o.rotate) {
        await client.rotateJoinToken(role);
        rotated = `Successfully rotated ${role} join token.\n\n`;
      }
      const info = await client.swarm();
      const token = role === "worker" ? info.JoinTokens.Worker : info.JoinTokens.Manager;
      if (!token) throw new Error(`this cluster's ${role} join token predates its CA and cannot be shown: run 'swarm join-token --rotate ${role}' to get a new one`);
      print(o.quiet ? token : rotated + joinBlock(role, token, joinAddr(client)));
    });
}

interface SwarmSettingsFlags { taskHistoryLimit?: string; dispatcherHeartbeat?: string; certExpiry?: string }

/** `swarm update`: only the flags given change (a bad value names its flag); prints `Swarm updated.` */
async function updateSwarm(client: ApiClient, o: SwarmSettingsFlags): Promise<string> {
  await client.updateSwarm(parseSwarmSettings(o));
  return "Swarm updated.";
}

interface PoolFlags { defaultAddrPool: string[]; defaultAddrPoolMaskLength?: string }

/** `--default-addr-pool` (repeatable) and `--default-addr-pool-mask-length`: the api checks them in Swarm's words. */
export function addressPoolRequest(o: PoolFlags): { DefaultAddrPool?: string[]; SubnetSize?: number } {
  const mask = o.defaultAddrPoolMaskLength;
  const size = mask === undefined ? undefined : decimal(mask);
  if (mask !== undefined && size === undefined) {
    throw new Error(`invalid argument "${mask}" for "--default-addr-pool-mask-length" flag: expected a non-negative integer`);
  }
  return { ...(o.defaultAddrPool.length ? { DefaultAddrPool: o.defaultAddrPool } : {}), ...(size === undefined ? {} : { SubnetSize: size }) };
}

/** The cluster settings `init` and `update` share; a bad value names its flag. */
export function parseSwarmSettings(o: SwarmSettingsFlags): { TaskHistoryRetentionLimit?: number; HeartbeatPeriodMs?: number; NodeCertExpiryMs?: number } {
  const limit = o.taskHistoryLimit;
  if (limit !== undefined && decimal(limit, true) === undefined) {
    throw new Error(`invalid argument "${limit}" for "--task-history-limit" flag: expected an integer`);
  }
  let heartbeatMs: number | undefined;
  if (o.dispatcherHeartbeat !== undefined) {
    heartbeatMs = Math.round(durationFlag("--dispatcher-heartbeat", o.dispatcherHeartbeat) / 1e6);
    if (heartbeatMs < 1) throw new Error(`invalid argument "${o.dispatcherHeartbeat}" for "--dispatcher-heartbeat" flag: must be at least 1ms`);
  }
  // The api refuses less than an hour with Swarm's words.
  const certMs = o.certExpiry === undefined ? undefined : Math.round(durationFlag("--cert-expiry", o.certExpiry) / 1e6);
  return {
    TaskHistoryRetentionLimit: limit === undefined ? undefined : Number(limit), HeartbeatPeriodMs: heartbeatMs,
    ...(certMs === undefined ? {} : { NodeCertExpiryMs: certMs }),
  };
}
