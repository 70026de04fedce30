import type { Service } from "../../schemas/api.js";
import type { ServiceSpec } from "../../schemas/index.js";
import type { NetworkCreateRequest } from "../../schemas/network-api.js";
import type { ObjectCreateRequest } from "../../schemas/secret-api.js";
import type { StackObject, StackObjects } from "./objects.js";
import { specChanged, specForUpdate, type ResolveImage } from "./spec-diff.js";

/*
 * `stack deploy` as a plan (pure): what exists is read first, every check runs before the first
 * write (an external network that is missing, a secret or config whose content changed: nothing
 * is created or removed then), and each step carries the line docker prints for it.
 */

/** What the cluster holds, as deploy needs it. */
export interface Existing {
  /** The namespace's services (label `com.docker.stack.namespace=<stack>`). */
  services: Pick<Service, "ID" | "Version" | "Spec">[];
  /** Names of the namespace's networks. */
  stackNetworks: string[];
  /** Every network: id and name (external ones are looked up here; stored specs name networks by id). */
  networks: { Id: string; Name: string }[];
  /** Secrets by name: the current payload's size (the api never answers a secret's data). */
  secrets: Map<string, { size: number }>;
  /** Configs by name: the current payload (base64). */
  configs: Map<string, { data: string }>;
}

export type Step =
  | { do: "remove-service"; id: string; line: string }
  | { do: "create-network"; body: NetworkCreateRequest; line: string }
  | { do: "create-secret" | "create-config"; body: ObjectCreateRequest; line: string }
  | { do: "create-service"; spec: ServiceSpec; line: string }
  | { do: "update-service"; id: string; version: number; spec: ServiceSpec; line: string }
  /** Unchanged: docker's line (it updates every service), and no write: version and tasks stay. */
  | { do: "keep-service"; id: string; line: string };

export interface DeployOptions { prune: boolean; resolveImage: ResolveImage }

/** Names docker never inspects: they exist on every node (container.NetworkMode.IsUserDefined). */
const BUILTIN_NETWORKS = new Set(["default", "bridge", "host", "none"]);

function checkExternalNetworks(stack: StackObjects, existing: Existing): void {
  const known = new Set(existing.networks.flatMap((n) => [n.Name, n.Id]));
  for (const n of stack.networks) {
    if (!n.external || BUILTIN_NETWORKS.has(n.name) || n.name.startsWith("container:") || known.has(n.name)) continue;
    throw new Error(`network "${n.name}" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed`);
  }
}

/** Swarm allows only label updates of a secret or config: a changed payload is refused (Swarm's words). */
function changedPayload(kind: "secret" | "config", name: string): Error {
  return new Error(`failed to update ${kind} ${name}: rpc error: code = InvalidArgument desc = only updates to Labels are allowed`);
}

const sizeOf = (o: StackObject) => Buffer.from(o.create?.Data ?? "", "base64").length;

function checkObjects(stack: StackObjects, existing: Existing): void {
  for (const s of stack.secrets) {
    const have = existing.secrets.get(s.name);
    if (s.external && !have) throw new Error(`secret not found: ${s.name}`);
    // The size is all the api tells of a secret's payload: a changed size is a changed payload.
    if (!s.external && have && have.size !== sizeOf(s)) throw changedPayload("secret", s.name);
  }
  for (const c of stack.configs) {
    const have = existing.configs.get(c.name);
    if (c.external && !have) throw new Error(`config not found: ${c.name}`);
    if (!c.external && have && have.data !== (c.create?.Data ?? "")) throw changedPayload("config", c.name);
  }
}

function networkSteps(stack: StackObjects, existing: Existing): Step[] {
  const have = new Set(existing.stackNetworks);
  return stack.networks
    .filter((n) => !n.external && !have.has(n.name))
    .map((n) => ({ do: "create-network", body: { ...n.create, Name: n.name, Driver: n.create?.Driver || "overlay" }, line: `Creating network ${n.name}` }));
}

function objectSteps(kind: "secret" | "config", list: StackObject[], existing: Map<string, unknown>): Step[] {
  return list
    .filter((o) => !o.external && !existing.has(o.name))
    .map((o) => ({ do: `create-${kind}`, body: { ...o.create, Name: o.name }, line: `Creating ${kind} ${o.name}` }));
}

function serviceSteps(stack: StackObjects, existing: Existing, opts: DeployOptions): Step[] {
  const current = new Map(existing.services.map((s) => [s.Spec.Name, s]));
  const names = new Map(existing.networks.map((n) => [n.Id, n.Name]));
  return stack.services.map(({ name, spec }): Step => {
    const svc = current.get(name);
    if (!svc) return { do: "create-service", spec, line: `Creating service ${name}` };
    const line = `Updating service ${name} (id: ${svc.ID})`;
    const next = specForUpdate(spec, svc.Spec, opts.resolveImage);
    return specChanged(svc.Spec, next, names)
      ? { do: "update-service", id: svc.ID, version: svc.Version.Index, spec: next, line }
      : { do: "keep-service", id: svc.ID, line };
  });
}

/** docker's pruneServices: the namespace's services the file no longer names. */
function pruneSteps(stack: StackObjects, existing: Existing): Step[] {
  const wanted = new Set(stack.services.map((s) => s.name));
  return existing.services
    .filter((s) => !wanted.has(s.Spec.Name))
    .sort((a, b) => (a.Spec.Name < b.Spec.Name ? -1 : 1))
    .map((s) => ({ do: "remove-service", id: s.ID, line: `Removing service ${s.Spec.Name}` }));
}

/** The steps of a deploy, in docker's order (prune, networks, secrets, configs, services); throws on a check. */
export function planDeploy(stack: StackObjects, existing: Existing, opts: DeployOptions): Step[] {
  checkExternalNetworks(stack, existing);
  checkObjects(stack, existing);
  return [
    ...(opts.prune ? pruneSteps(stack, existing) : []),
    ...networkSteps(stack, existing),
    ...objectSteps("secret", stack.secrets, existing.secrets),
    ...objectSteps("config", stack.configs, existing.configs),
    ...serviceSteps(stack, existing, opts),
  ];
}
