import type { Command } from "commander";
import { createInterface } from "node:readline/promises";
import type { NetworkCreateRequest } from "../../schemas/network-api.js";
import { renderFormat } from "../output/format.js";
import { renderInspect } from "../output/inspect-format.js";
import { renderTable, shortId } from "../output/table.js";
import { clientOf, collect, eachArg, print } from "./common.js";
import { networkFormatRow, networkRows, NETWORK_FORMAT_HEADERS, NETWORK_HEADERS, PRUNE_WARNING, pruneReport, sortNetworks } from "./network-view.js";
import { parseFilterFlags, parseLabels } from "./service-flags.js";
import { FORMAT_HELP } from "./service-reads.js";

/* `swarm network create|ls|inspect|rm|prune`: docker's flags, output and messages (swarm-scoped overlay networks only). */

interface CreateFlags {
  driver: string; subnet?: string; gateway?: string; ipRange?: string; ipamDriver?: string;
  attachable?: boolean; internal?: boolean; ingress?: boolean; ipv6?: boolean; scope?: string; label: string[]; opt: string[];
}

/** The flags → Docker's create request (the api checks the values). */
export function createRequest(name: string, o: CreateFlags): NetworkCreateRequest {
  const pool = { ...(o.subnet ? { Subnet: o.subnet } : {}), ...(o.gateway ? { Gateway: o.gateway } : {}), ...(o.ipRange ? { IPRange: o.ipRange } : {}) };
  if (!o.subnet && (o.gateway || o.ipRange)) throw new Error("every ip-range or gateway must have a corresponding subnet");
  return {
    Name: name, CheckDuplicate: true, Driver: o.driver,
    ...(o.scope ? { Scope: o.scope } : {}),
    ...(o.ipv6 ? { EnableIPv6: true } : {}),
    ...(o.subnet || o.ipamDriver ? { IPAM: { ...(o.ipamDriver ? { Driver: o.ipamDriver } : {}), ...(o.subnet ? { Config: [pool] } : {}) } } : {}),
    ...(o.internal ? { Internal: true } : {}),
    ...(o.attachable ? { Attachable: true } : {}),
    ...(o.ingress ? { Ingress: true } : {}),
    ...(o.opt.length ? { Options: parseLabels(o.opt) } : {}),
    ...(o.label.length ? { Labels: parseLabels(o.label) } : {}),
  };
}

function registerCreate(network: Command): void {
  network
    .command("create <network>")
    .description("create a network")
    .option("-d, --driver <driver>", "driver to manage the network (swarm networks: overlay)", "overlay")
    .option("--subnet <cidr>", "subnet in CIDR format that represents a network segment")
    .option("--gateway <ip>", "IPv4 gateway for the subnet")
    .option("--ip-range <cidr>", "allocate task addresses from a sub-range")
    .option("--ipam-driver <driver>", "IP address management driver (default)")
    .option("--attachable", "enable manual container attachment")
    .option("--internal", "restrict external access to the network")
    .option("--ingress", "create the swarm routing-mesh network")
    .option("--ipv6", "enable IPv6 networking (not supported)")
    .option("--scope <scope>", "control the network's scope (swarm)")
    .option("--label <key=value>", "set metadata on a network (repeatable)", collect, [])
    .option("-o, --opt <key=value>", "set driver specific options, e.g. com.docker.network.driver.mtu=1400 (repeatable)", collect, [])
    .action(async (name: string, o: CreateFlags, cmd: Command) => {
      const { Id } = await clientOf(cmd).createNetwork(createRequest(name, o));
      print(Id);
    });
}

function registerLs(network: Command): void {
  network
    .command("ls")
    .alias("list")
    .description("list networks")
    .option("-q, --quiet", "only display network IDs")
    .option("--no-trunc", "do not truncate the output")
    .option("-f, --filter <filter>", "filter output (driver, id, label, name, scope, type) (repeatable)", collect, [])
    .option("--format <format>", FORMAT_HELP)
    .action(async (o: { quiet?: boolean; trunc: boolean; filter: string[]; format?: string }, cmd: Command) => {
      const filters = parseFilterFlags(o.filter, ["driver", "id", "label", "name", "scope", "type"]);
      const networks = await clientOf(cmd).networks(filters);
      const noTrunc = o.trunc === false;
      // docker: a given --format wins over -q; `table` alone is the default table.
      const format = o.format === "table" ? undefined : o.format;
      if (o.quiet && !format) sortNetworks(networks).forEach((n) => print(shortId(n.Id, noTrunc)));
      else if (format) process.stdout.write(renderFormat(format, sortNetworks(networks).map((n) => networkFormatRow(n, noTrunc)), NETWORK_FORMAT_HEADERS));
      else process.stdout.write(renderTable(Object.values(NETWORK_HEADERS), networkRows(networks, noTrunc)));
    });
}

function registerInspectRm(network: Command): void {
  network
    .command("inspect <network...>")
    .description("display detailed information on one or more networks")
    .option("-f, --format <format>", "format the output using a Go template ({{.IPAM.Config}}, {{json .Options}}), or 'json'")
    .action(async (refs: string[], o: { format?: string }, cmd: Command) => {
      const client = clientOf(cmd);
      const networks = await Promise.all(refs.map((r) => client.network(r)));
      process.stdout.write(renderInspect(o.format, networks));
    });
  network
    .command("rm <network...>")
    .alias("remove")
    .description("remove one or more networks")
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      await eachArg(refs, async (ref) => {
        await client.removeNetwork(ref);
        return ref;
      });
    });
}

async function confirmed(): Promise<boolean> {
  process.stdout.write(PRUNE_WARNING);
  const rl = createInterface({ input: process.stdin });
  try {
    const line = await new Promise<string>((resolve) => {
      rl.once("line", resolve);
      rl.once("close", () => resolve(""));
    });
    return /^y(es)?$/i.test(line.trim());
  } finally {
    rl.close();
  }
}

function registerPrune(network: Command): void {
  network
    .command("prune")
    .description("remove all unused networks")
    .option("-f, --force", "do not prompt for confirmation")
    .option("--filter <filter>", "provide filter values (label=<key>[=<value>], label!=…) (repeatable)", collect, [])
    .action(async (o: { force?: boolean; filter: string[] }, cmd: Command) => {
      // `label!=k=v` arrives as key `label!`; parseFilterFlags splits at the first '='.
      const filters = parseFilterFlags(o.filter, ["label", "label!"]);
      if (!o.force && !(await confirmed())) return;
      const { NetworksDeleted } = await clientOf(cmd).pruneNetworks(filters);
      process.stdout.write(pruneReport(NetworksDeleted));
    });
}

/** Registers `swarm network …`. */
export function registerNetwork(program: Command): void {
  const network = program.command("network").description("manage swarm networks");
  registerCreate(network);
  registerLs(network);
  registerInspectRm(network);
  registerPrune(network);
}
