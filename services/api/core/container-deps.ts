import { CLASSIC_DEPS_LABEL, ClassicDeps, type ServiceSpec } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import type { ServiceView } from "../../shared/model/index.js";
import { isContainer, type ContainerCreateBody } from "./container-spec.js";

/*
 * `docker run --volumes-from NAME[:ro|rw]`, `--link NAME[:ALIAS]` and `--net=container:NAME`:
 * parsed from Docker's create body, each target resolved to the classic container it names. The
 * placement filter keeps the container on its targets' node (core/classic-filters.ts); the node's
 * agent turns the recorded targets into its engine's containers (schemas/classic.ts). Pure.
 */

/** The dependencies as the request names them. */
export interface DependencyRefs {
  volumesFrom: Array<{ ref: string; mode?: "ro" | "rw" }>;
  links: Array<{ ref: string; alias: string }>;
  network?: string;
}

/** Docker's link form `name:alias`; the engine also shows `/name:/me/alias`. */
const linkPart = (x: string) => x.replace(/^\/+/, "").split("/").pop() ?? "";

export function dependencyRefs(body: ContainerCreateBody): DependencyRefs {
  const h = body.HostConfig;
  const volumesFrom = (h?.VolumesFrom ?? []).map((v) => {
    const [ref, mode, ...rest] = v.split(":");
    if (!ref || rest.length || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
      throw invalidArgument(`HostConfig.VolumesFrom: "${v}" must be NAME[:ro|rw]`);
    }
    return { ref, ...(mode ? { mode: mode as "ro" | "rw" } : {}) };
  });
  const links = (h?.Links ?? []).map((l) => {
    const [name, alias, ...rest] = l.split(":").map(linkPart);
    if (!name || rest.length || alias === "") throw invalidArgument(`HostConfig.Links: "${l}" must be NAME[:ALIAS]`);
    return { ref: name, alias: alias ?? name };
  });
  const net = h?.NetworkMode?.startsWith("container:") ? h.NetworkMode.slice("container:".length) : undefined;
  if (net === "") throw invalidArgument("HostConfig.NetworkMode: container: needs a container name or id");
  // Docker's own refusal: links name addresses on a network namespace the container does not own.
  if (net && links.length) throw invalidArgument("Conflicting options: container type network can't be used with links. This would result in undefined behavior");
  return { volumesFrom, links, ...(net ? { network: net } : {}) };
}

/** The containers a container depends on for placement (names or ids as given). */
export function dependencies(body: ContainerCreateBody): string[] {
  const r = dependencyRefs(body);
  return [...r.volumesFrom.map((v) => v.ref), ...r.links.map((l) => l.ref), ...(r.network ? [r.network] : [])];
}

/** The dependencies with each target resolved by `find` (which refuses an unknown one); undefined when there are none. */
export function resolveDependencies(refs: DependencyRefs, find: (ref: string) => { id: string; name: string }): ClassicDeps | undefined {
  const target = (ref: string) => { const c = find(ref); return { id: c.id, name: c.name }; };
  const out: ClassicDeps = {
    ...(refs.volumesFrom.length ? { volumesFrom: refs.volumesFrom.map((v) => ({ ...target(v.ref), ...(v.mode ? { mode: v.mode } : {}) })) } : {}),
    ...(refs.links.length ? { links: refs.links.map((l) => ({ ...target(l.ref), alias: l.alias })) } : {}),
    ...(refs.network ? { network: target(refs.network) } : {}),
  };
  return Object.keys(out).length ? out : undefined;
}

/** The dependencies in inspect's HostConfig (`VolumesFrom`, `Links` as `/target:/me/alias`, `NetworkMode`). */
export function dependencyView(spec: ServiceSpec): { VolumesFrom?: string[]; Links?: string[]; NetworkMode?: string } {
  const d = recordedDeps(spec);
  if (!d) return {};
  return {
    ...(d.volumesFrom?.length ? { VolumesFrom: d.volumesFrom.map((v) => `${v.name}${v.mode ? `:${v.mode}` : ""}`) } : {}),
    ...(d.links?.length ? { Links: d.links.map((l) => `/${l.name}:/${spec.Name}/${l.alias}`) } : {}),
    ...(d.network ? { NetworkMode: `container:${d.network.id}` } : {}),
  };
}

/** The dependencies recorded on a spec; none when absent or unreadable. */
function recordedDeps(spec: ServiceSpec): ClassicDeps | undefined {
  const raw = spec.TaskTemplate.ContainerSpec.Labels?.[CLASSIC_DEPS_LABEL];
  let parsed: unknown;
  try { parsed = raw === undefined ? undefined : JSON.parse(raw); } catch { parsed = undefined; }
  const deps = ClassicDeps.safeParse(parsed);
  return deps.success ? deps.data : undefined;
}

const wantsToRun = (spec: ServiceSpec) => !(spec.Mode && "Replicated" in spec.Mode && spec.Mode.Replicated.Replicas === 0);

/**
 * The started classic containers that use `targetId` by `--link` or `--net=container:`: their
 * engine containers were created with the target's engine container of that moment, so a target
 * that gets a new one (every start does) leaves them a stale link or a network namespace that is
 * gone. (`--volumes-from` is resolved at create in Docker too: the volumes stay the same.)
 */
export function linkedDependents(services: Iterable<ServiceView>, targetId: string): string[] {
  const out: string[] = [];
  for (const svc of services) {
    if (svc.removed || !isContainer(svc.spec) || !wantsToRun(svc.spec)) continue;
    const d = recordedDeps(svc.spec);
    if (d?.network?.id === targetId || d?.links?.some((l) => l.id === targetId)) out.push(svc.id);
  }
  return out;
}

/**
 * The classic-deps label belongs to jetswarm (written from a `docker run`'s dependencies): a
 * service create may not set it, an update may only keep the value it had.
 */
export function checkOwnLabel(spec: ServiceSpec, current?: ServiceSpec): void {
  const value = spec.TaskTemplate.ContainerSpec.Labels?.[CLASSIC_DEPS_LABEL];
  if (value === undefined || value === current?.TaskTemplate.ContainerSpec.Labels?.[CLASSIC_DEPS_LABEL]) return;
  throw invalidArgument(`TaskTemplate.ContainerSpec.Labels: ${CLASSIC_DEPS_LABEL} is jetswarm's own label (written for a classic container's --volumes-from, --link and --net=container:); remove it`);
}
