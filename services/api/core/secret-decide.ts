import type { ServiceSpec } from "../../../schemas/index.js";
import { subjects } from "../../../schemas/index.js";
import { alreadyExists, invalidArgument, notFound, SwarmError } from "../../shared/errors/index.js";
import { currentVersion, plan, versionOf, type ClusterState, type PlannedEvent, type SecretView, type ServiceView } from "../../shared/model/index.js";
import { requireCluster, type Fresh } from "./decide.js";
import { liveServices, resolve } from "./lookup.js";

/*
 * Secrets and configs (one shape, two kinds): Swarm's name and size rules, create, remove (refused
 * while a service's spec references it) and jetswarm's rotate (a new payload version; services
 * that reference the object unpinned move to it with an ordinary ServiceUpdated, so the
 * orchestrator rolls them with their update config and rolls them back on failure).
 */

export type ObjectKind = "secret" | "config";

/** Swarm's payload bounds: more than 0 and strictly less than these (swarmkit MaxSecretSize, MaxConfigSize). */
export const MAX_PAYLOAD_BYTES: Readonly<Record<ObjectKind, number>> = { secret: 500 * 1024, config: 1000 * 1024 };

/** Swarm's name rule for secrets and configs: ≤ 64 of `[a-zA-Z0-9-_.]`, first and last alphanumeric. */
const NAME = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

/** What the secret-store answered for one stored payload version. */
export interface StoredPayload { version: number; size: number; hmac: string }

export function checkObjectName(name: string): void {
  if (name === "") throw invalidArgument("name must be provided");
  if (name.length > 64 || !NAME.test(name)) {
    throw invalidArgument("invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]");
  }
}

/** Swarm's words (`secret data must be larger than 0 and less than 512000 bytes`). */
export function checkPayloadSize(kind: ObjectKind, size: number): void {
  const max = MAX_PAYLOAD_BYTES[kind];
  if (size < 1 || size >= max) throw invalidArgument(`${kind} data must be larger than 0 and less than ${max} bytes`);
}

export function objectsOf(state: ClusterState, kind: ObjectKind): Map<string, SecretView> {
  return kind === "secret" ? state.secrets : state.configs;
}

/** Docker's lookup: full id, then name, then a unique id prefix. */
export function findObject(state: ClusterState, kind: ObjectKind, ref: string): SecretView {
  return resolve([...objectsOf(state, kind).values()], ref, (v) => v.name, kind);
}

function assertNameFree(state: ClusterState, kind: ObjectKind, name: string): void {
  for (const v of objectsOf(state, kind).values()) {
    if (v.name === name) throw duplicateName(kind, name);
  }
}

/** Everything a create can be refused for before its payload is stored (so a refusal stores nothing). */
export function checkCreate(state: ClusterState, kind: ObjectKind, name: string, size: number): void {
  requireCluster(state);
  checkObjectName(name);
  checkPayloadSize(kind, size);
  assertNameFree(state, kind, name);
}

export function decideCreateObject(
  state: ClusterState, kind: ObjectKind, input: { id: string; name: string; labels: Record<string, string>; payload: StoredPayload },
  fresh: Pick<Fresh, "requestId">,
): PlannedEvent[] {
  checkCreate(state, kind, input.name, input.payload.size);
  const { id, name, labels, payload } = input;
  const key = `create:${fresh.requestId}`;
  if (kind === "secret") return [plan("SecretCreated", "secret", id, { secretId: id, name, labels, ...payload }, 0, key)];
  return [plan("ConfigCreated", "config", id, { configId: id, name, labels, ...payload }, 0, key)];
}

/**
 * Names are unique, but two creates of one name decided at once append on two subjects (two ids),
 * so no expectation stops the second. Each creator checks after its append: the slice keeps
 * objects in creation (log) order, so the first object of a name is the earliest; a later one
 * removes itself. The later creator always sees the earlier one (its own append is applied, and
 * everything before it), so exactly one of them is left.
 */
export function decideYieldName(state: ClusterState, kind: ObjectKind, id: string, fresh: Pick<Fresh, "requestId">): PlannedEvent[] {
  const mine = objectsOf(state, kind).get(id);
  if (!mine) return [];
  const first = [...objectsOf(state, kind).values()].find((v) => v.name === mine.name);
  if (!first || first.id === id) return [];
  const expect = versionOf(state, subjects.event(kind, id));
  const key = `yield:${fresh.requestId}`;
  return kind === "secret"
    ? [plan("SecretRemoved", "secret", id, { secretId: id, name: mine.name }, expect, key)]
    : [plan("ConfigRemoved", "config", id, { configId: id, name: mine.name }, expect, key)];
}

export function duplicateName(kind: ObjectKind, name: string): SwarmError {
  return alreadyExists(`rpc error: code = AlreadyExists desc = ${kind} ${name} already exists`);
}

type Ref = { Version?: number; Pinned?: boolean };

function refsOf(spec: ServiceSpec, kind: ObjectKind, id: string): Ref[] {
  const c = spec.TaskTemplate.ContainerSpec;
  return kind === "secret" ? (c.Secrets ?? []).filter((r) => r.SecretID === id) : (c.Configs ?? []).filter((r) => r.ConfigID === id);
}

/** Live services whose current spec references the object, by name. */
export function usersOf(state: ClusterState, kind: ObjectKind, id: string): ServiceView[] {
  return liveServices(state).filter((s) => refsOf(s.spec, kind, id).length > 0);
}

/** Swarm's refusal, naming the services: `secret 'x' is in use by the following service: web`. */
export function decideRemoveObject(state: ClusterState, kind: ObjectKind, ref: string, fresh: Pick<Fresh, "requestId">): PlannedEvent[] {
  requireCluster(state);
  const v = findObject(state, kind, ref);
  const users = usersOf(state, kind, v.id).map((s) => s.spec.Name).sort();
  if (users.length > 0) {
    throw invalidArgument(`${kind} '${v.name}' is in use by the following service${users.length > 1 ? "s" : ""}: ${users.join(", ")}`);
  }
  const expect = versionOf(state, subjects.event(kind, v.id));
  const key = `remove:${fresh.requestId}`;
  return kind === "secret"
    ? [plan("SecretRemoved", "secret", v.id, { secretId: v.id, name: v.name }, expect, key)]
    : [plan("ConfigRemoved", "config", v.id, { configId: v.id, name: v.name }, expect, key)];
}

/**
 * Records a rotation's new payload version (step 1 of rotate): above every recorded one.
 * Level-triggered: nothing when the version is already recorded with this payload's HMAC (a
 * retry); a conflict when another rotate recorded that version, or a later one, first.
 */
export function decideRotateObject(
  state: ClusterState, kind: ObjectKind, id: string, payload: StoredPayload, fresh: Pick<Fresh, "requestId">,
): PlannedEvent[] {
  requireCluster(state);
  const v = objectsOf(state, kind).get(id);
  if (!v) throw notFound(`${kind} ${id} not found`);
  const recorded = v.versions.find((x) => x.version === payload.version);
  if (recorded) {
    if (recorded.hmac === payload.hmac && recorded.size === payload.size) return [];
    throw new SwarmError("conflict", `${kind} ${v.name} was rotated to version ${payload.version} by another request; try again`);
  }
  // Usually n+1; higher when a failed rotate left n+1 stored but never recorded (the store keeps it).
  if (payload.version <= currentVersion(v)) {
    throw new SwarmError("conflict", `${kind} ${v.name} was rotated to version ${currentVersion(v)} by another request; try again`);
  }
  const expect = versionOf(state, subjects.event(kind, id));
  const key = `rotate:${fresh.requestId}`;
  return kind === "secret"
    ? [plan("SecretRotated", "secret", id, { secretId: id, ...payload }, expect, key)]
    : [plan("ConfigRotated", "config", id, { configId: id, ...payload }, expect, key)];
}

/** The spec with every unpinned reference to the object at `version` (the same spec object when none moves). */
export function moveReferences(spec: ServiceSpec, kind: ObjectKind, id: string, version: number): ServiceSpec {
  const moves = (r: Ref & { SecretID?: string; ConfigID?: string }) =>
    (kind === "secret" ? r.SecretID : r.ConfigID) === id && !r.Pinned && (r.Version ?? 0) < version;
  const c = spec.TaskTemplate.ContainerSpec;
  const list: Ref[] | undefined = kind === "secret" ? c.Secrets : c.Configs;
  if (!list?.some(moves)) return spec;
  const moved = list.map((r) => (moves(r) ? { ...r, Version: version } : r));
  const container = kind === "secret" ? { ...c, Secrets: moved as typeof c.Secrets } : { ...c, Configs: moved as typeof c.Configs };
  return { ...spec, TaskTemplate: { ...spec.TaskTemplate, ContainerSpec: container } };
}

/**
 * Step 2 of rotate: every live service that references the object unpinned below its current
 * version gets a ServiceUpdated with those references moved (the rest of the spec unchanged).
 * Level-triggered, so a retry after a conflict re-decides on the services as they are now.
 */
export function decideMoveUsers(state: ClusterState, kind: ObjectKind, id: string, fresh: Pick<Fresh, "requestId">): PlannedEvent[] {
  requireCluster(state);
  const v = objectsOf(state, kind).get(id);
  if (!v) return [];
  const target = currentVersion(v);
  const out: PlannedEvent[] = [];
  for (const s of usersOf(state, kind, id)) {
    const spec = moveReferences(s.spec, kind, id, target);
    if (spec === s.spec) continue;
    const expect = versionOf(state, subjects.event("service", s.id));
    out.push(plan("ServiceUpdated", "service", s.id, { serviceId: s.id, spec }, expect, `rotate:${fresh.requestId}:${s.id}:${target}`));
  }
  return out;
}
