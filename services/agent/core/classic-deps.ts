import { CLASSIC_DEPS_LABEL, ClassicDeps, formatZodError, isTerminal } from "../../../schemas/index.js";
import { LABELS } from "./container-config.js";
import type { ContainerSummary, HostConfig } from "./executor.js";
import type { TaskRecord } from "./task-machine.js";

/*
 * A classic container's `--volumes-from`, `--link` and `--net=container:` (schemas/classic.ts):
 * each target, named by its service id, becomes the engine container of that service on this
 * node. A volume source may be stopped (Docker lends a stopped container's volumes): the newest
 * running one, else the newest. A link or network target must run, as Docker's own start
 * demands: its running container, else the create waits while the target's task here is on its
 * way to running (a target restarted with it), else it fails with Docker's message (a stopped
 * classic container has no engine container left). A volume source with no container here fails
 * the create, naming it. Pure.
 */

export type DependencyConfig = Pick<HostConfig, "VolumesFrom" | "Links" | "NetworkMode">;

/** The dependencies recorded on a container spec's labels; none when the label is absent. */
export function classicDeps(labels: Readonly<Record<string, string>> | undefined): ClassicDeps | undefined {
  const raw = labels?.[CLASSIC_DEPS_LABEL];
  if (raw === undefined) return undefined;
  let json: unknown;
  try { json = JSON.parse(raw); } catch { json = undefined; }
  const r = ClassicDeps.safeParse(json);
  if (!r.success) throw new Error(`label ${CLASSIC_DEPS_LABEL}: ${formatZodError(r.error)}`);
  return r.data;
}

const newestFirst = (containers: readonly ContainerSummary[], serviceId: string) =>
  containers.filter((c) => c.labels[LABELS.serviceId] === serviceId).sort((a, b) => b.created - a.created);
const runningOf = (containers: readonly ContainerSummary[], serviceId: string) =>
  newestFirst(containers, serviceId).find((x) => x.state === "running");

/**
 * The engine settings for the dependencies, from this node's containers; `me` is the dependent's
 * name (Docker's link message names it). Throws Docker's message for a link or network target
 * that does not run.
 */
export function dependencyConfig(deps: ClassicDeps, containers: readonly ContainerSummary[], me = ""): DependencyConfig {
  const find = (what: string, t: { id: string; name: string }, notRunning?: string): ContainerSummary => {
    const mine = newestFirst(containers, t.id);
    const c = mine.find((x) => x.state === "running") ?? (notRunning === undefined ? mine[0] : undefined);
    if (c) return c;
    throw new Error(notRunning ?? `${what} ${t.name}: the container has no engine container on this node`);
  };
  const out: DependencyConfig = {};
  if (deps.volumesFrom?.length) out.VolumesFrom = deps.volumesFrom.map((v) => `${find("--volumes-from", v).id}${v.mode ? `:${v.mode}` : ""}`);
  if (deps.links?.length) {
    out.Links = deps.links.map((l) => `${find("--link", l, `Cannot link to a non running container: /${l.name} AS /${me}/${l.alias}`).name}:${l.alias}`);
  }
  if (deps.network) out.NetworkMode = `container:${find("--net=container:", deps.network, `cannot join network of a non running container: ${deps.network.name}`).id}`;
  return out;
}

/**
 * The link and network targets the create waits for: no running container here, but a task here
 * that is wanted running and has not ended (it is being created or started).
 */
export function startingTargets(deps: ClassicDeps, containers: readonly ContainerSummary[], tasks: Iterable<TaskRecord>): string[] {
  const starting = new Set<string>();
  for (const r of tasks) {
    if (!r.doc.removed && r.doc.desiredState === "running" && !isTerminal(r.observed) && r.observed !== "running") starting.add(r.doc.serviceId);
  }
  const targets = [...(deps.links ?? []), ...(deps.network ? [deps.network] : [])];
  return targets.filter((t) => !runningOf(containers, t.id) && starting.has(t.id)).map((t) => t.name);
}
