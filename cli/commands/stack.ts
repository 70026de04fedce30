import type { Command } from "commander";
import type { ApiClient } from "../client.js";
import { renderTable, shortId } from "../output/table.js";
import { removeStacks, type Output } from "../stack/remove.js";
import { parseResolveImage } from "../stack/spec-diff.js";
import { stackFilter } from "../stack/stack-api.js";
import { checkStackName, composeFiles, naturalCompare, stackRows, withLabels } from "../stack/views.js";
import { NAMESPACE_LABEL } from "../stack/objects.js";
import { hostnameOf } from "./node.js";
import { clientOf, collect, print } from "./common.js";
import { parseFilterFlags } from "./service-flags.js";
import { psRows, serviceRows } from "./service-rows.js";

/* `swarm stack deploy|ls|ps|services|rm`: docker's flags, lines and messages (docker/cli cli/command/stack). */

const io: Output = { out: (l) => print(l), err: (l) => process.stderr.write(`${l}\n`) };

/** `--detach` / `--detach=false` (docker's bool flag; default true). */
function parseBool(v: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw new Error(`invalid argument "${v}" for "-d, --detach" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

interface DeployCli { composeFile: string[]; prune?: boolean; resolveImage: string; detach?: boolean; quiet?: boolean }

function registerDeploy(stack: Command): void {
  stack
    .command("deploy <stack>")
    .alias("up")
    .description("deploy a new stack or update an existing stack")
    .option("-c, --compose-file <file>", "path to a Compose file (repeatable; later files override earlier ones)", collect, [])
    .option("--prune", "prune services that are no longer referenced")
    .option("--resolve-image <when>", "query the registry to resolve image digest (always, changed, never)", "always")
    .option("-d, --detach [bool]", "exit immediately instead of waiting for the stack services to converge (default true)", parseBool)
    .option("-q, --quiet", "suppress progress output")
    .action(async (name: string, o: DeployCli, cmd: Command) => {
      const namespace = checkStackName(name);
      const resolveImage = parseResolveImage(o.resolveImage);
      // The Compose loader (yaml, ajv, the schema files) is imported by deploy only: every other
      // command loads this file at start and would pay for it.
      const [{ loadStack }, { deployStack }] = await Promise.all([import("../stack/compose.js"), import("../stack/deploy.js")]);
      const loaded = await loadStack({ files: composeFiles(o.composeFile), namespace, env: process.env });
      for (const w of loaded.warnings) io.err(w);
      const detach = o.detach ?? true;
      if (o.detach === undefined) {
        io.err("Since --detach=false was not specified, tasks will be created in the background.\nIn a future release, --detach=false will become the default.");
      }
      await deployStack(clientOf(cmd), loaded, { prune: !!o.prune, resolveImage, detach, quiet: !!o.quiet }, io);
    });
}

function registerLs(stack: Command): void {
  stack
    .command("ls")
    .alias("list")
    .description("list stacks")
    .action(async (_o: unknown, cmd: Command) => {
      const services = await clientOf(cmd).services({ label: [NAMESPACE_LABEL] });
      process.stdout.write(renderTable(["NAME", "SERVICES"], stackRows(services)));
    });
}

/** The stack's services, the user's filters applied (labels ANDed, as docker does). */
async function stackServices(client: ApiClient, namespace: string, filters: Record<string, string[]>) {
  const { label = [], ...rest } = filters;
  const services = withLabels(await client.services(stackFilter(namespace, rest)), label);
  return services.sort((a, b) => naturalCompare(a.Spec.Name, b.Spec.Name));
}

function registerServices(stack: Command): void {
  stack
    .command("services <stack>")
    .description("list the services in the stack")
    .option("-q, --quiet", "only display IDs")
    .option("-f, --filter <filter>", "filter output (id, label, mode, name) (repeatable)", collect, [])
    .action(async (name: string, o: { quiet?: boolean; filter: string[] }, cmd: Command) => {
      const namespace = checkStackName(name);
      const services = await stackServices(clientOf(cmd), namespace, parseFilterFlags(o.filter, ["id", "label", "mode", "name"]));
      if (!services.length) return io.err(`Nothing found in stack: ${namespace}`);
      if (o.quiet) services.forEach((s) => print(s.ID));
      else process.stdout.write(renderTable(["ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"], serviceRows(services)));
    });
}

function registerPs(stack: Command): void {
  stack
    .command("ps <stack>")
    .description("list the tasks in the stack")
    .option("-q, --quiet", "only display task IDs")
    .option("--no-trunc", "do not truncate output")
    .option("-f, --filter <filter>", "filter output (id, name, node, desired-state) (repeatable)", collect, [])
    .action(async (name: string, o: { quiet?: boolean; trunc: boolean; filter: string[] }, cmd: Command) => {
      const namespace = checkStackName(name);
      const client = clientOf(cmd);
      const filters = parseFilterFlags(o.filter, ["id", "name", "node", "desired-state"]);
      // Tasks are found through the stack's services (by the namespace label), then filtered.
      const services = await client.services(stackFilter(namespace));
      const [tasks, nodes] = services.length
        ? await Promise.all([client.tasks({ ...filters, service: services.map((s) => s.ID) }), client.nodes()])
        : [[], []];
      if (!tasks.length) throw new Error(`nothing found in stack: ${namespace}`);
      const noTrunc = o.trunc === false;
      if (o.quiet) return tasks.forEach((t) => print(shortId(t.ID, noTrunc)));
      const names = new Map(nodes.map((n) => [n.ID, hostnameOf(n)]));
      process.stdout.write(renderTable(["ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS"],
        psRows(tasks, names, new Date(), noTrunc)));
    });
}

function registerRm(stack: Command): void {
  stack
    .command("rm <stack...>")
    .aliases(["remove", "down"])
    .description("remove one or more stacks")
    .action(async (names: string[], _o: unknown, cmd: Command) => {
      await removeStacks(clientOf(cmd), names.map(checkStackName), io);
    });
}

/** Registers `swarm stack …`. */
export function registerStack(program: Command): void {
  const stack = program.command("stack").description("manage swarm stacks");
  registerDeploy(stack);
  registerLs(stack);
  registerServices(stack);
  registerPs(stack);
  registerRm(stack);
}
