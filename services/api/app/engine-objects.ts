import { subjects } from "../../../schemas/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import { versionOf } from "../../shared/model/index.js";
import { MESSAGES } from "../core/decide.js";
import { checkObjectUpdate, checkSamePayload } from "../core/engine-objects.js";
import { findObject, type ObjectKind } from "../core/secret-decide.js";
import { stateOf, type AppDeps } from "./context.js";
import { natsOf, putPayload } from "./secret-store.js";

/**
 * Docker's secret/config update (`docker stack deploy` on an existing object): accepted, appending
 * nothing, when it changes nothing. The payload is compared by the secret-store's HMAC: it is put
 * as the next version, unrecorded (a later rotate writes that version again), so the api never
 * reads a secret back.
 */
export async function updateObjectUnchanged(
  deps: AppDeps, kind: ObjectKind, input: { ref: string; version: number; name: string; labels: Record<string, string>; data?: Uint8Array },
): Promise<void> {
  const state = stateOf(deps);
  const v = findObject(state, kind, input.ref);
  if (versionOf(state, subjects.event(kind, v.id)) !== input.version) throw new SwarmError("conflict", MESSAGES.outOfSequence);
  checkObjectUpdate(kind, v, input);
  if (input.data === undefined) return;
  const next = (v.versions.at(-1)?.version ?? 0) + 1;
  const { hmac } = await putPayload(natsOf(deps), { kind, id: v.id, version: next, name: v.name }, input.data);
  checkSamePayload(v, hmac);
}
