import type { Command } from "commander";
import type { Node, Task } from "../../schemas/api.js";
import type { ApiClient } from "../client.js";
import { chooseFormat, renderFormat } from "../output/format.js";
import { renderInspect } from "../output/inspect-format.js";
import { renderTable } from "../output/table.js";
import { clientOf, collect } from "./common.js";
import { nodeName } from "./node-view.js";
import { prettyService } from "./service-pretty.js";
import { parseFilterFlags } from "./service-flags.js";
import { SERVICE_HEADERS, SERVICE_TABLE, serviceContext, serviceRows, sortServices, TASK_HEADERS, TASK_TABLE, taskContexts } from "./service-rows.js";
import { serviceOrNoSuch } from "./service-update.js";

/* `swarm service ls|ps|inspect`: docker's flags (-q, --filter, --format, --no-trunc, --no-resolve, --pretty) and output. */

export const FORMAT_HELP = "format output using a Go template: 'table', 'table TEMPLATE', 'json', or TEMPLATE ({{.ID}}, {{json .}}, {{upper .Name}}…)";

export interface PsFlags { quiet?: boolean; trunc: boolean; resolve: boolean; filter: string[]; format?: string }

/** `--no-resolve`, `--no-trunc`, `-q`, `--filter` and `--format` of `service ps` and `node ps`. */
export function addPsOptions(cmd: Command, filters: readonly string[]): Command {
  return cmd
    .option("-q, --quiet", "only display task IDs")
    .option("--no-trunc", "do not truncate output")
    .option("--no-resolve", "do not map IDs to Names")
    .option("-f, --filter <filter>", `filter output based on conditions provided (${filters.join(", ")}) (repeatable)`, collect, [])
    .option("--format <format>", FORMAT_HELP);
}

/**
 * Prints tasks as docker's task.Print: NODE through docker's id resolver (the node's name, else its
 * hostname; ids with --no-resolve); `-q` alone prints IDs, full ones for `service ps` (docker sets
 * --no-trunc there) and truncated for `node ps`.
 */
export async function printTasks(client: ApiClient, tasks: Task[], o: PsFlags, quietFull: boolean): Promise<void> {
  const noTrunc = o.trunc === false || (quietFull && o.quiet === true);
  const nodes: Node[] = o.resolve === false || !tasks.some((t) => t.NodeID) ? [] : await client.nodes();
  const names = new Map(nodes.map((n) => [n.ID, nodeName(n)]));
  const format = chooseFormat(o.format, o.quiet, { table: TASK_TABLE });
  const contexts = taskContexts(tasks, names, new Date(), { noTrunc, noResolve: o.resolve === false, indent: format.startsWith("table") });
  if (format === TASK_TABLE) {
    process.stdout.write(renderTable(Object.values(TASK_HEADERS), contexts.map((c) => Object.keys(TASK_HEADERS).map((k) => String(c[k])))));
  } else process.stdout.write(renderFormat(format, contexts, TASK_HEADERS));
}

/** `service inspect -f` and `--pretty` cannot go together (docker's words). */
export function checkPretty(o: { pretty?: boolean; format?: string }): void {
  if (o.pretty && o.format) throw new Error("--format is incompatible with human friendly format");
}

export function registerServiceReads(service: Command): void {
  service
    .command("ls")
    .alias("list")
    .description("list services")
    .option("-q, --quiet", "only display IDs")
    .option("-f, --filter <filter>", "filter output based on conditions provided (id, label, mode, name) (repeatable)", collect, [])
    .option("--format <format>", FORMAT_HELP)
    .action(async (o: { quiet?: boolean; filter: string[]; format?: string }, cmd: Command) => {
      const services = await clientOf(cmd).services(parseFilterFlags(o.filter, ["id", "label", "mode", "name"]));
      const format = chooseFormat(o.format, o.quiet, { table: SERVICE_TABLE });
      if (format === SERVICE_TABLE) process.stdout.write(renderTable(Object.values(SERVICE_HEADERS), serviceRows(services)));
      else process.stdout.write(renderFormat(format, sortServices(services).map(serviceContext), SERVICE_HEADERS));
    });

  addPsOptions(service.command("ps <service...>").description("list the tasks of one or more services"), ["id", "name", "node", "desired-state"])
    .action(async (refs: string[], o: PsFlags, cmd: Command) => {
      const client = clientOf(cmd);
      const filters = parseFilterFlags(o.filter, ["id", "name", "node", "desired-state"]);
      const services = await Promise.all(refs.map((r) => serviceOrNoSuch(client, r)));
      await printTasks(client, await client.tasks({ ...filters, service: services.map((s) => s.ID) }), o, true);
    });

  service
    .command("inspect <service...>")
    .description("display detailed information on one or more services")
    .option("--pretty", "print the information in a human friendly format")
    .option("-f, --format <format>", "format the output using a Go template ({{.Spec.Name}}, {{json .Spec}}), or 'json'")
    .action(async (refs: string[], o: { pretty?: boolean; format?: string }, cmd: Command) => {
      checkPretty(o);
      const client = clientOf(cmd);
      // Like docker, inspect shows the spec with Swarm's defaults filled in.
      const services = await Promise.all(refs.map((r) => serviceOrNoSuch(client, r, { insertDefaults: true })));
      if (!o.pretty) return void process.stdout.write(renderInspect(o.format, services));
      const attached = services.some((s) => s.Spec.TaskTemplate.Networks?.length);
      const names = new Map(attached ? (await client.networks()).map((n) => [n.Id, n.Name]) : []);
      process.stdout.write(services.map((s) => prettyService(s, new Date(), names)).join(""));
    });
}
