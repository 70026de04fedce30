import type { Command } from "commander";
import { showProgress } from "../output/progress-display.js";
import { clientOf, collect, eachArg, print } from "./common.js";
import { buildCreateSpec, generatedName, parseScale, type CreateFlags } from "./service-flags.js";
import { addSpecOptions } from "./service-options.js";
import { rescale } from "./service-job-flags.js";
import { registerServiceReads } from "./service-reads.js";
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

  registerServiceReads(service);

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
