import type { Command } from "commander";
import type { ApiClient } from "../client.js";
import { clientOf, print } from "./common.js";

/** Where `swarm join` should point: the advertised address, else the api's own host:port. */
function joinAddr(client: ApiClient, advertise?: string): string {
  const api = new URL(client.base);
  if (advertise) return /:\d+$/.test(advertise) ? advertise : `${advertise}:${api.port || "4280"}`;
  return api.host;
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
    .action(async (o: { advertiseAddr?: string; nodeName?: string }, cmd: Command) => {
      const client = clientOf(cmd);
      const r = await client.init({ NodeName: o.nodeName, AdvertiseAddr: o.advertiseAddr });
      const info = await client.swarm();
      print(
        `Swarm initialized: current node (${r.NodeID}) is now a manager.\n\n` +
        joinBlock("worker", info.JoinTokens.Worker, joinAddr(client, o.advertiseAddr)) +
        `\nTo add a manager to this swarm, run 'swarm join-token manager' and follow the instructions.\n`,
      );
    });

  program
    .command("join-token <role>")
    .description("manage join tokens (worker|manager)")
    .option("-q, --quiet", "only display token")
    .action(async (role: string, o: { quiet?: boolean }, cmd: Command) => {
      if (role !== "worker" && role !== "manager") throw new Error(`unknown role ${role}`);
      const client = clientOf(cmd);
      const info = await client.swarm();
      const token = role === "worker" ? info.JoinTokens.Worker : info.JoinTokens.Manager;
      print(o.quiet ? token : joinBlock(role, token, joinAddr(client)));
    });
}
