import { CLASSIC_DEPS_LABEL, ClassicDeps, type ServiceSpec } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import type { ContainerCreateBody } from "./container-spec.js";

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
  const raw = spec.TaskTemplate.ContainerSpec.Labels?.[CLASSIC_DEPS_LABEL];
  let parsed: unknown;
  try { parsed = raw === undefined ? undefined : JSON.parse(raw); } catch { parsed = undefined; }
  const deps = ClassicDeps.safeParse(parsed);
  if (!deps.success) return {};
  const d = deps.data;
  return {
    ...(d.volumesFrom?.length ? { VolumesFrom: d.volumesFrom.map((v) => `${v.name}${v.mode ? `:${v.mode}` : ""}`) } : {}),
    ...(d.links?.length ? { Links: d.links.map((l) => `/${l.name}:/${spec.Name}/${l.alias}`) } : {}),
    ...(d.network ? { NetworkMode: `container:${d.network.id}` } : {}),
  };
}
