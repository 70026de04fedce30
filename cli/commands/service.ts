import type { Command } from "commander";
import { showProgress } from "../output/progress-display.js";
import { renderTable, shortId } from "../output/table.js";
import { hostnameOf } from "./node.js";
import { clientOf, collect, eachArg, print, printJson } from "./common.js";
import { buildCreateSpec, generatedName, parseFilterFlags, parseScale, type CreateFlags } from "./service-flags.js";
import { addSpecOptions } from "./service-options.js";
import { rescale } from "./service-job-flags.js";
import { prettyService } from "./service-pretty.js";
import { psRows, serviceRows } from "./service-rows.js";
import { registerServiceLogs } from "./service-logs.js";
import { registerServiceUpdate, serviceOrNoSuch, waitUnlessDetached } from "./service-update.js";
import { addPlacementOptions, applyPlacementFlags, type PlacementFlags } from "./service-placement-flags.js";
import { withReferences, type ReferenceFlags } from "./service-secret-flags.js";
import { addNetworkOptions, applyCreateNetworkFlags, type NetworkFlags } from "./service-network-flags.js";
import { addContainerOptions, applyContainerFlags, parseEnvFile, type ContainerFlags } from "./service-container-flags.js";
import { readFileSync } from "node:fs";

/** `--env-file` contents first, so `-e` overrides them (docker's order). */
function envWithFiles(files: readonly string[], env: string[]): string[] {
  return [...files.flatMap((f) => parseEnvFile(readFileSync(f, "utf8"), process.env)), ...env];
}

export function registerService(program: Command): void {
  const service = program.command("service").description("manage swarm services").enablePositionalOptions();

  const create = service
    .command("create <image> [command...]")
    .description("create a new service")
    .passThroughOptions()
    .option("--name <name>", "service name")
    .option("--mode <mode>", "service mode (replicated, global, replicated-job, global-job)")
    .option("--replicas <n>", "number of tasks")
    .option("--max-concurrent <n>", "number of job tasks to run concurrently (default equal to --replicas)")
    .option("-e, --env <KEY=VALUE>", "set environment variables (repeatable)", collect, [])
    .option("-l, --label <KEY=VALUE>", "service labels (repeatable)", collect, [])
    .option("--container-label <KEY=VALUE>", "container labels (repeatable)", collect, [])
    .option("--secret <secret>", "specify secrets to expose to the service (NAME[@VERSION] or source=,target=,uid=,gid=,mode=; repeatable)", collect, [])
    .option("--config <config>", "specify configurations to expose to the service (as --secret; repeatable)", collect, []);
  addSpecOptions(create).action(async (image: string, args: string[], o: CreateFlags & ReferenceFlags & NetworkFlags & ContainerFlags & { envFile: string[]; detach?: boolean; quiet?: boolean }, cmd: Command) => {
    const client = clientOf(cmd);
    o.env = envWithFiles(o.envFile, o.env);
    const base = applyContainerFlags(buildCreateSpec(image, args, o, generatedName), o);
    const spec = applyCreateNetworkFlags(applyPlacementFlags(base, o as PlacementFlags), o);
    spec.TaskTemplate.ContainerSpec = withReferences(spec.TaskTemplate.ContainerSpec, o);
    const { ID } = await client.createService(spec);
    print(ID);
    await waitUnlessDetached(client, ID, o);
  });
  addPlacementOptions(create, "create");
  addNetworkOptions(create, "create");
  addContainerOptions(create, "create");

  registerServiceUpdate(service);
  registerServiceLogs(service);

  service
    .command("ls")
    .alias("list")
    .description("list services")
    .option("-q, --quiet", "only display IDs")
    .option("-f, --filter <filter>", "filter output (id, label, mode, name) (repeatable)", collect, [])
    .action(async (o: { quiet?: boolean; filter: string[] }, cmd: Command) => {
      const services = await clientOf(cmd).services(parseFilterFlags(o.filter, ["id", "label", "mode", "name"]));
      if (o.quiet) services.forEach((s) => print(s.ID));
      else process.stdout.write(renderTable(["ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"], serviceRows(services)));
    });

  service
    .command("ps <service...>")
    .description("list the tasks of one or more services")
    .option("-q, --quiet", "only display task IDs")
    .option("--no-trunc", "do not truncate output")
    .option("-f, --filter <filter>", "filter output (id, name, node, desired-state) (repeatable)", collect, [])
    .action(async (refs: string[], o: { quiet?: boolean; trunc: boolean; filter: string[] }, cmd: Command) => {
      const client = clientOf(cmd);
      const services = await Promise.all(refs.map((r) => serviceOrNoSuch(client, r)));
      const filters = parseFilterFlags(o.filter, ["id", "name", "node", "desired-state"]);
      const [tasks, nodes] = await Promise.all([client.tasks({ ...filters, service: services.map((s) => s.ID) }), client.nodes()]);
      const noTrunc = o.trunc === false;
      if (o.quiet) {
        tasks.forEach((t) => print(shortId(t.ID, noTrunc)));
        return;
      }
      const names = new Map(nodes.map((n) => [n.ID, hostnameOf(n)]));
      process.stdout.write(renderTable(["ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS"],
        psRows(tasks, names, new Date(), noTrunc)));
    });

  service
    .command("inspect <service...>")
    .description("display detailed information on one or more services")
    .option("--pretty", "print the information in a human friendly format")
    .action(async (refs: string[], o: { pretty?: boolean }, cmd: Command) => {
      const client = clientOf(cmd);
      // Like docker, inspect shows the spec with Swarm's defaults filled in.
      const services = await Promise.all(refs.map((r) => serviceOrNoSuch(client, r, { insertDefaults: true })));
      if (!o.pretty) return printJson(services);
      const attached = services.some((s) => s.Spec.TaskTemplate.Networks?.length);
      const names = new Map(attached ? (await client.networks()).map((n) => [n.Id, n.Name]) : []);
      print(services.map((s) => prettyService(s, new Date(), names)).join("\n\n"));
    });

  service
    .command("scale <service=replicas...>")
    .description("scale one or multiple replicated services")
    .option("-d, --detach", "exit immediately instead of waiting for the service to converge")
    .action(async (specs: string[], o: { detach?: boolean }, cmd: Command) => {
      const client = clientOf(cmd);
      const wanted = specs.map(parseScale);
      const scaled: string[] = [];
      await eachArg(wanted.map((w) => `${w.service}=${w.replicas}`), async (arg) => {
        const w = parseScale(arg);
        const svc = await serviceOrNoSuch(client, w.service);
        await client.updateService(svc.ID, svc.Version.Index, { ...svc.Spec, Mode: rescale(svc.Spec, w.replicas, undefined, true) });
        scaled.push(w.service);
        return `${w.service} scaled to ${w.replicas}`;
      });
      if (!o.detach) for (const s of scaled) await showProgress(client, s);
    });

  service
    .command("rm <service...>")
    .alias("remove")
    .description("remove one or more services")
    .action(async (refs: string[], _o: unknown, cmd: Command) => {
      const client = clientOf(cmd);
      await eachArg(refs, async (ref) => {
        await client.removeService(ref);
        return ref;
      });
    });
}
