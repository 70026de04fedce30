import type { ConfigReference, SecretReference, ServiceSpec } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import { currentVersion, type ClusterState, type SecretView } from "../../shared/model/index.js";

/*
 * Resolution of a spec's secret and config references (Swarm's checkSecretExistence and
 * validateSecretRefsSpec, plus jetswarm's versions), pure: run inside the create/update deciders so
 * a re-decide after a conflict resolves against the state it decides on.
 *
 * `SecretID` is an id or a name: the docker CLI resolves names to ids itself, `swarm` sends the
 * name in both fields and lets the api resolve it (ids first). A reference without `Version` gets
 * the current one; a given version must exist and is kept (a rollback or an unchanged update keeps
 * the version its tasks run; `secret rotate` moves unpinned references).
 */

type Kind = "secret" | "config";
interface Ref { id: string; name: string; version?: number; pinned?: boolean; target?: string }

function find(views: Map<string, SecretView>, ref: Ref): SecretView | undefined {
  return views.get(ref.id) ?? [...views.values()].find((v) => v.name === ref.id);
}

/** Swarm's message: `secret not found: a` / `secrets not found: a, b`. */
function notFoundError(kind: Kind, names: string[]): Error {
  return invalidArgument(`${kind}${names.length > 1 ? "s" : ""} not found: ${names.join(", ")}`);
}

/** Swarm's target check: two references may not land on the same file. */
function checkTargets(kind: Kind, refs: { name: string; target: string }[]): void {
  const seen = new Map<string, string>();
  for (const r of refs) {
    const prev = seen.get(r.target);
    if (prev !== undefined) throw invalidArgument(`${kind} references '${prev}' and '${r.name}' have a conflicting target: '${r.target}'`);
    seen.set(r.target, r.name);
  }
}

interface Resolved { id: string; name: string; version: number }

function resolveAll(kind: Kind, views: Map<string, SecretView>, refs: Ref[]): Resolved[] {
  const missing: string[] = [];
  const out: Resolved[] = [];
  for (const ref of refs) {
    const view = find(views, ref);
    if (!view) { missing.push(ref.name || ref.id); continue; }
    if (ref.version !== undefined && !view.versions.some((v) => v.version === ref.version)) {
      throw invalidArgument(`${kind} ${view.name} has no version ${ref.version} (versions: ${view.versions.map((v) => v.version).join(", ")})`);
    }
    out.push({ id: view.id, name: view.name, version: ref.version ?? currentVersion(view) });
  }
  if (missing.length) throw notFoundError(kind, missing);
  checkTargets(kind, out.map((r, i) => ({ name: r.name, target: refs[i]!.target ?? r.name })));
  return out;
}

function secretRefs(state: ClusterState, refs: SecretReference[]): SecretReference[] {
  const resolved = resolveAll("secret", state.secrets, refs.map((r) => ({
    id: r.SecretID, name: r.SecretName, ...(r.Version !== undefined ? { version: r.Version } : {}), ...(r.File ? { target: r.File.Name } : {}),
  })));
  return refs.map((r, i) => {
    const x = resolved[i]!;
    return { ...r, SecretID: x.id, SecretName: x.name, Version: x.version };
  });
}

function configRefs(state: ClusterState, refs: ConfigReference[]): ConfigReference[] {
  const resolved = resolveAll("config", state.configs, refs.map((r) => ({
    id: r.ConfigID, name: r.ConfigName, ...(r.Version !== undefined ? { version: r.Version } : {}), ...(r.File ? { target: r.File.Name } : {}),
  })));
  return refs.map((r, i) => {
    const x = resolved[i]!;
    return { ...r, ConfigID: x.id, ConfigName: x.name, Version: x.version };
  });
}

/** The spec with every reference resolved (id, name, version); refused with Swarm's messages. */
export function resolveReferences(state: ClusterState, spec: ServiceSpec): ServiceSpec {
  const c = spec.TaskTemplate.ContainerSpec;
  if (!c.Secrets?.length && !c.Configs?.length) return spec;
  const container = { ...c };
  if (c.Secrets?.length) container.Secrets = secretRefs(state, c.Secrets);
  if (c.Configs?.length) container.Configs = configRefs(state, c.Configs);
  return { ...spec, TaskTemplate: { ...spec.TaskTemplate, ContainerSpec: container } };
}
