import { ServiceSpec } from "../../schemas/specs.js";
import { formatZodError } from "../../schemas/zod-error.js";
import { IMAGE_LABEL } from "./objects.js";

/*
 * Whether a redeploy changes a service (pure). docker's `stack deploy` sends every service's spec
 * again and Swarm bumps the version of each; jetswarm compares first and leaves an unchanged
 * service alone (its version and its tasks), so a redeploy rolls only what the file changed.
 */

/** docker's `--resolve-image` values. */
export const RESOLVE_IMAGE = ["always", "changed", "never"] as const;
export type ResolveImage = (typeof RESOLVE_IMAGE)[number];

export function parseResolveImage(value: string): ResolveImage {
  if (!(RESOLVE_IMAGE as readonly string[]).includes(value)) throw new Error(`Invalid option ${value} for flag --resolve-image`);
  return value as ResolveImage;
}

/**
 * The spec docker's deployServices sends for a service that exists: with `changed`/`never`, an
 * image written as before keeps the stored image (which may carry the digest a registry resolved);
 * `ForceUpdate` is always the stored one (stack deploy has no `--force`).
 */
export function specForUpdate(desired: ServiceSpec, current: ServiceSpec, resolve: ResolveImage): ServiceSpec {
  const written = desired.TaskTemplate.ContainerSpec.Image;
  const keepImage = resolve !== "always" && written === current.Labels?.[IMAGE_LABEL];
  const container = keepImage ? { ...desired.TaskTemplate.ContainerSpec, Image: current.TaskTemplate.ContainerSpec.Image } : desired.TaskTemplate.ContainerSpec;
  const { ForceUpdate: _drop, ...task } = desired.TaskTemplate;
  const force = current.TaskTemplate.ForceUpdate;
  return { ...desired, TaskTemplate: { ...task, ContainerSpec: container, ...(force !== undefined ? { ForceUpdate: force } : {}) } };
}

/** The spec in the form the api stores it (zod-parsed: the same defaults and key set); a bad one is named. */
export function parsedSpec(spec: ServiceSpec): ServiceSpec {
  const r = ServiceSpec.safeParse(spec);
  if (!r.success) throw new Error(`service ${spec.Name}: ${formatZodError(r.error)}`);
  return r.data;
}

/**
 * What the api resolves on write is put back into the form the file gives: network ids become
 * names (`names`: id → name), secret and config references lose the id and version the api adds.
 */
function comparable(spec: ServiceSpec, names: ReadonlyMap<string, string>): ServiceSpec {
  const t = spec.TaskTemplate;
  const c = t.ContainerSpec;
  return {
    ...spec,
    TaskTemplate: {
      ...t,
      ...(t.Networks ? { Networks: t.Networks.map((n) => ({ ...n, Target: names.get(n.Target) ?? n.Target })) } : {}),
      ContainerSpec: {
        ...c,
        ...(c.Secrets ? { Secrets: c.Secrets.map(({ SecretID: _i, Version: _v, ...r }) => ({ ...r, SecretID: r.SecretName })) } : {}),
        ...(c.Configs ? { Configs: c.Configs.map(({ ConfigID: _i, Version: _v, ...r }) => ({ ...r, ConfigID: r.ConfigName })) } : {}),
      },
    },
  };
}

/** JSON with sorted keys and no undefined members: equal values, equal text. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v);
}

/** True when writing `next` would change the stored `current` spec. */
export function specChanged(current: ServiceSpec, next: ServiceSpec, networkNames: ReadonlyMap<string, string>): boolean {
  return canonical(comparable(current, networkNames)) !== canonical(comparable(parsedSpec(next), networkNames));
}
