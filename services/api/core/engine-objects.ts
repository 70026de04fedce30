import { invalidArgument } from "../../shared/errors/index.js";
import type { SecretView } from "../../shared/model/index.js";
import type { ObjectKind } from "./secret-decide.js";

/*
 * Docker's `POST /secrets/{id}/update` and `/configs/{id}/update` (what `docker stack deploy` sends
 * for an object that already exists): Swarm allows only a change of labels, and jetswarm records
 * none, so an update is accepted only when it changes nothing — the same name, the same labels
 * and (when the body carries data) the same payload. Anything else is refused in Swarm's words
 * or naming what jetswarm cannot do. Pure.
 */

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export function checkObjectUpdate(kind: ObjectKind, v: SecretView, spec: { name: string; labels: Record<string, string> }): void {
  if (spec.name !== v.name) throw invalidArgument("rpc error: code = InvalidArgument desc = only updates to Labels are allowed");
  if (!sameLabels(spec.labels, v.labels)) {
    throw invalidArgument(`${kind} labels cannot be changed by jetswarm: remove and create the ${kind} again`);
  }
}

/** The payload sent is the current one (the secret-store's HMACs of both are equal), else Swarm's refusal. */
export function checkSamePayload(v: SecretView, hmac: string): void {
  if (v.versions.at(-1)?.hmac !== hmac) throw invalidArgument("rpc error: code = InvalidArgument desc = only updates to Labels are allowed");
}
