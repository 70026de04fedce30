import type { Actor } from "../../../schemas/index.js";
import type { Config, RotateResponse, Secret } from "../../../schemas/secret-api.js";
import { errorMessage, SwarmError } from "../../shared/errors/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { currentVersion, type SecretView } from "../../shared/model/index.js";
import { requireCluster } from "../core/decide.js";
import { type Filters } from "../core/filters.js";
import {
  checkCreate, checkPayloadSize, decideCreateObject, decideMoveUsers, decideRemoveObject, decideRotateObject, decideYieldName, duplicateName,
  findObject, objectsOf, type ObjectKind,
} from "../core/secret-decide.js";
import { configView, listObjects, secretView } from "../core/secret-views.js";
import { commitAs, fresh, stateOf, type AppDeps } from "./context.js";
import { deletePayloads, natsOf, putPayload, readConfig } from "./secret-store.js";

/*
 * Secrets and configs (issue #16): the payload goes to the secret-store first, then the event that
 * records its metadata; a refusal (name, size, duplicate, in use) is decided before anything is
 * stored or appended. The log never holds a payload.
 */

export interface CreateObjectInput { name: string; labels: Record<string, string>; data: Uint8Array }

/** Stores version 1, then appends `SecretCreated`/`ConfigCreated`; if that fails, the stored payload is dropped. */
export async function createObject(deps: AppDeps, actor: Actor, kind: ObjectKind, input: CreateObjectInput): Promise<{ ID: string }> {
  checkCreate(stateOf(deps), kind, input.name, input.data.length);
  const nc = natsOf(deps);
  const id = randomId();
  const f = fresh();
  const stored = await putPayload(nc, { kind, id, version: 1, name: input.name }, input.data);
  const payload = { version: 1, ...stored };
  try {
    await commitAs(deps, actor, (s) => decideCreateObject(s, kind, { id, name: input.name, labels: input.labels, payload }, f));
  } catch (err) {
    // An append whose outcome is unknown may still have landed: keep the payload of a recorded object.
    if (!objectsOf(stateOf(deps), kind).has(id)) await dropPayloads(deps, kind, id);
    throw err;
  }
  await yieldNameIfLater(deps, actor, kind, id, input.name);
  return { ID: id };
}

/** A create that raced another of the same name and came later removes what it created (`decideYieldName`). */
async function yieldNameIfLater(deps: AppDeps, actor: Actor, kind: ObjectKind, id: string, name: string): Promise<void> {
  const f = fresh();
  let yielded = false;
  await commitAs(deps, actor, (s) => {
    const planned = decideYieldName(s, kind, id, f);
    yielded ||= planned.length > 0;
    return planned;
  });
  if (!yielded) return;
  await dropPayloads(deps, kind, id);
  throw duplicateName(kind, name);
}

/** Refused while a service uses it (nothing appended, nothing deleted); after the append, the ciphertext goes. */
export async function removeObject(deps: AppDeps, actor: Actor, kind: ObjectKind, ref: string): Promise<void> {
  const f = fresh();
  let id: string | undefined;
  await commitAs(deps, actor, (s) => {
    const planned = decideRemoveObject(s, kind, ref, f);
    id = planned[0]?.aggregateId;
    return planned;
  });
  if (id) await dropPayloads(deps, kind, id);
}

/**
 * jetswarm's rotate: stores version n+1, records it, then moves every service that references the
 * object unpinned (one ServiceUpdated each: the orchestrator rolls it with its update config and
 * rolls it back on failure). Two commits, in that order, so that no spec ever names a version the
 * log does not hold; each is level-triggered, so a retry finishes what a failed one began.
 */
export async function rotateObject(deps: AppDeps, actor: Actor, kind: ObjectKind, ref: string, data: Uint8Array): Promise<RotateResponse> {
  const state = stateOf(deps);
  requireCluster(state);
  const v = findObject(state, kind, ref);
  checkPayloadSize(kind, data.length);
  const { version, stored } = await putNextVersion(deps, kind, v, data);
  const f = fresh();
  await commitAs(deps, actor, (s) => decideRotateObject(s, kind, v.id, { version, ...stored }, f));
  const moved = new Set<string>();
  await commitAs(deps, actor, (s) => {
    const planned = decideMoveUsers(s, kind, v.id, f);
    for (const p of planned) moved.add(p.aggregateId);
    return planned;
  });
  return { ID: v.id, Version: version, Services: [...moved] };
}

/** Versions a rotate tries past ones that failed rotates stored but never recorded. */
const ORPHAN_VERSIONS = 8;

/**
 * Stores the payload as version n+1, or the next version the store does not hold with another
 * payload: a rotate that stored n+1 and failed before its append leaves it there (the store never
 * replaces a stored version), and must not block every later rotate. The same payload again is
 * stored as the same version (a retry).
 */
async function putNextVersion(
  deps: AppDeps, kind: ObjectKind, v: SecretView, data: Uint8Array,
): Promise<{ version: number; stored: { size: number; hmac: string } }> {
  const first = currentVersion(v) + 1;
  for (let version = first; ; version++) {
    try {
      return { version, stored: await putPayload(natsOf(deps), { kind, id: v.id, version, name: v.name }, data) };
    } catch (err) {
      if (!(err instanceof SwarmError && err.code === "already_exists") || version >= first + ORPHAN_VERSIONS) throw err;
    }
  }
}

/** The metadata is recorded; a payload that cannot be deleted now is logged (the secret-store can sweep ids the log removed). */
async function dropPayloads(deps: AppDeps, kind: ObjectKind, id: string): Promise<void> {
  try {
    await deletePayloads(natsOf(deps), kind, id);
  } catch (err) {
    deps.log?.warn("stored payload not deleted", { kind, id, err: errorMessage(err) });
  }
}

export function listSecrets(deps: AppDeps, filters: Filters): Secret[] {
  const state = stateOf(deps);
  requireCluster(state);
  return listObjects(state, "secret", filters).map((v) => secretView(state, v));
}

export function inspectSecret(deps: AppDeps, ref: string): Secret {
  const state = stateOf(deps);
  requireCluster(state);
  return secretView(state, findObject(state, "secret", ref));
}

/** Lists leave a config's data out (one secret-store read per config would make `ls` cost the payloads). */
export function listConfigs(deps: AppDeps, filters: Filters): Config[] {
  const state = stateOf(deps);
  requireCluster(state);
  return listObjects(state, "config", filters).map((v) => configView(state, v));
}

/** A config with its current payload (base64), read from the secret-store. */
export async function inspectConfig(deps: AppDeps, ref: string): Promise<Config> {
  const state = stateOf(deps);
  requireCluster(state);
  const v = findObject(state, "config", ref);
  const data = await readConfig(natsOf(deps), v.id, currentVersion(v));
  return configView(state, v, Buffer.from(data).toString("base64"));
}
