import { CLASSIC_DEPS_LABEL, ClassicDeps, formatZodError } from "../../../schemas/index.js";
import { LABELS } from "./container-config.js";
import type { ContainerSummary, HostConfig } from "./executor.js";

/*
 * A classic container's `--volumes-from`, `--link` and `--net=container:` (schemas/classic.ts):
 * each target, named by its service id, becomes the engine container of that service on this
 * node — the newest running one, else the newest one (a stopped container still lends its
 * volumes). A target with no container here fails the create with a message naming it. Pure.
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

/** The engine settings for the dependencies, from this node's containers. */
export function dependencyConfig(deps: ClassicDeps, containers: readonly ContainerSummary[]): DependencyConfig {
  const find = (what: string, t: { id: string; name: string }): ContainerSummary => {
    const mine = containers.filter((c) => c.labels[LABELS.serviceId] === t.id).sort((a, b) => b.created - a.created);
    const c = mine.find((x) => x.state === "running") ?? mine[0];
    if (!c) throw new Error(`${what} ${t.name}: the container has no engine container on this node`);
    return c;
  };
  const out: DependencyConfig = {};
  if (deps.volumesFrom?.length) out.VolumesFrom = deps.volumesFrom.map((v) => `${find("--volumes-from", v).id}${v.mode ? `:${v.mode}` : ""}`);
  if (deps.links?.length) out.Links = deps.links.map((l) => `${find("--link", l).name}:${l.alias}`);
  if (deps.network) out.NetworkMode = `container:${find("--net=container:", deps.network).id}`;
  return out;
}
