import type { Command } from "commander";
import type { Node } from "../../schemas/api.js";
import { renderTable, titleCase } from "../output/table.js";
import { clientOf, print, printJson } from "./common.js";

export function hostnameOf(n: Node): string {
  return n.Description?.Hostname ?? n.Spec.Name;
}

function managerStatus(n: Node): string {
  if (!n.ManagerStatus) return "";
  return n.ManagerStatus.Leader ? "Leader" : titleCase(n.ManagerStatus.Reachability);
}

/** `node ls` rows, sorted by host name (docker's order). */
export function nodeRows(nodes: Node[]): string[][] {
  return [...nodes]
    .sort((a, b) => hostnameOf(a).localeCompare(hostnameOf(b)) || a.ID.localeCompare(b.ID))
    .map((n) => [n.ID, hostnameOf(n), titleCase(n.Status.State), titleCase(n.Spec.Availability), managerStatus(n), n.Description?.Engine.EngineVersion ?? ""]);
}

export function prettyNode(n: Node): string {
  const d = n.Description;
  const lines = [
    `ID:\t\t\t${n.ID}`,
    `Hostname:\t\t${hostnameOf(n)}`,
    `Joined at:\t\t${n.CreatedAt}`,
    `Status:`,
    ` State:\t\t\t${titleCase(n.Status.State)}`,
    ` Availability:\t\t${titleCase(n.Spec.Availability)}`,
    ` Address:\t\t${n.Status.Addr ?? ""}`,
  ];
  if (n.ManagerStatus) lines.push(`Manager Status:`, ` Address:\t\t${n.ManagerStatus.Addr}`, ` Raft Status:\t\t${titleCase(n.ManagerStatus.Reachability)}`, ` Leader:\t\t${n.ManagerStatus.Leader ? "Yes" : "No"}`);
  if (d) {
    lines.push(`Platform:`, ` Operating System:\t${d.Platform.OS}`, ` Architecture:\t\t${d.Platform.Architecture}`,
      `Resources:`, ` CPUs:\t\t\t${d.Resources.NanoCPUs / 1e9}`, ` Memory:\t\t${(d.Resources.MemoryBytes / 2 ** 30).toFixed(2)}GiB`,
      `Engine Version:\t\t${d.Engine.EngineVersion}`);
  }
  return lines.join("\n");
}

export function registerNode(program: Command): void {
  const node = program.command("node").description("manage swarm nodes");
  node
    .command("ls")
    .alias("list")
    .description("list nodes in the swarm")
    .option("-q, --quiet", "only display IDs")
    .action(async (o: { quiet?: boolean }, cmd: Command) => {
      const rows = nodeRows(await clientOf(cmd).nodes());
      if (o.quiet) rows.forEach((r) => print(r[0]!));
      else process.stdout.write(renderTable(["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION"], rows));
    });
  node
    .command("inspect <node...>")
    .description("display detailed information on one or more nodes")
    .option("--pretty", "print the information in a human friendly format")
    .action(async (refs: string[], o: { pretty?: boolean }, cmd: Command) => {
      const client = clientOf(cmd);
      const nodes = await Promise.all(refs.map((r) => client.node(r)));
      if (o.pretty) print(nodes.map(prettyNode).join("\n\n"));
      else printJson(nodes);
    });
}
