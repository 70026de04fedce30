import type { Command } from "commander";
import { ApiError, type ApiClient } from "../client.js";
import { showProgress } from "../output/progress-display.js";
import { clientOf, collect, print } from "./common.js";
import { addSpecOptions } from "./service-options.js";
import { addPlacementOptions, applyPlacementFlags, type PlacementFlags } from "./service-placement-flags.js";
import { buildUpdateSpec, checkRollbackAlone, type UpdateFlags } from "./service-update-flags.js";
import { updateReferences, type ReferenceUpdateFlags } from "./service-secret-flags.js";
import { addNetworkOptions, parseNetwork, updateNetworks, withNetworks, type NetworkFlags } from "./service-network-flags.js";
import type { ServiceSpec } from "../../schemas/index.js";
import { addContainerOptions, applyContainerFlags, type ContainerFlags } from "./service-container-flags.js";

/* `service update` and `service rollback`: print the SERVICE argument, then progress unless -d. */

export async function serviceOrNoSuch(client: ApiClient, ref: string, opts: { insertDefaults?: boolean } = {}) {
  try {
    return await client.service(ref, opts);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new Error(`no such service: ${ref}`);
    throw err;
  }
}

interface WaitFlags { detach?: boolean; quiet?: boolean }

/** docker's waitOnService: -d returns at once; -q waits without printing. */
export async function waitUnlessDetached(client: ApiClient, ref: string, o: WaitFlags): Promise<void> {
  if (o.detach) return;
  await showProgress(client, ref, o.quiet ? { out: { write: () => true } } : {});
}

async function rollback(client: ApiClient, ref: string, o: WaitFlags): Promise<void> {
  const svc = await serviceOrNoSuch(client, ref);
  await client.rollbackService(svc.ID, svc.Version.Index, svc.Spec);
  print(ref);
  await waitUnlessDetached(client, ref, o);
}

/** `--network-add/--network-rm/--endpoint-mode`: the stored spec names networks by id, so the flags' names are resolved first. */
async function applyNetworkUpdate(client: ApiClient, spec: ServiceSpec, o: NetworkFlags): Promise<ServiceSpec> {
  const add = o.networkAdd ?? [];
  const rm = o.networkRm ?? [];
  if (!add.length && !rm.length) return withNetworks(spec, spec.TaskTemplate.Networks, o.endpointMode);
  const idOf = async (ref: string) => (await client.network(ref)).Id;
  const removeIds = new Set(await Promise.all(rm.map(idOf)));
  const added = await Promise.all(add.map(parseNetwork).map(async (a) => ({ ...a, Target: await idOf(a.Target) })));
  return withNetworks(spec, updateNetworks(spec.TaskTemplate.Networks, added, removeIds), o.endpointMode);
}

export function registerServiceUpdate(service: Command): void {
  const update = service
    .command("update <service>")
    .description("update a service")
    .option("--image <image>", "service image tag")
    .option("--args <command>", "service command args")
    .option("--env-add <KEY=VALUE>", "add or update an environment variable (repeatable)", collect, [])
    .option("--env-rm <KEY>", "remove an environment variable (repeatable)", collect, [])
    .option("--label-add <KEY=VALUE>", "add or update a service label (repeatable)", collect, [])
    .option("--label-rm <KEY>", "remove a label by its key (repeatable)", collect, [])
    .option("--container-label-add <KEY=VALUE>", "add or update a container label (repeatable)", collect, [])
    .option("--container-label-rm <KEY>", "remove a container label by its key (repeatable)", collect, [])
    .option("--replicas <n>", "number of tasks")
    .option("--max-concurrent <n>", "number of job tasks to run concurrently")
    .option("--secret-add <secret>", "add or update a secret on a service (as create's --secret; repeatable)", collect, [])
    .option("--secret-rm <secret>", "remove a secret (repeatable)", collect, [])
    .option("--config-add <config>", "add or update a config file on a service (repeatable)", collect, [])
    .option("--config-rm <config>", "remove a configuration file (repeatable)", collect, [])
    .option("--force", "force update even if no changes require it")
    .option("--rollback", "rollback to previous specification");
  addPlacementOptions(update, "update");
  addNetworkOptions(update, "update");
  addContainerOptions(update, "update");
  addSpecOptions(update).action(async (ref: string, o: UpdateFlags & ReferenceUpdateFlags & NetworkFlags & ContainerFlags & WaitFlags, cmd: Command) => {
    const client = clientOf(cmd);
    if (o.rollback) {
      checkRollbackAlone(cmd);
      await rollback(client, ref, o);
      return;
    }
    const svc = await serviceOrNoSuch(client, ref);
    const spec = applyContainerFlags(applyPlacementFlags(buildUpdateSpec(svc.Spec, o), o as unknown as PlacementFlags), o);
    spec.TaskTemplate.ContainerSpec = updateReferences(spec.TaskTemplate.ContainerSpec, o);
    await client.updateService(svc.ID, svc.Version.Index, await applyNetworkUpdate(client, spec, o));
    print(ref);
    await waitUnlessDetached(client, ref, o);
  });

  service
    .command("rollback <service>")
    .description("revert changes to a service's configuration")
    .option("-d, --detach", "exit immediately instead of waiting for the service to converge")
    .option("-q, --quiet", "suppress progress output")
    .action(async (ref: string, o: WaitFlags, cmd: Command) => {
      await rollback(clientOf(cmd), ref, o);
    });
}
