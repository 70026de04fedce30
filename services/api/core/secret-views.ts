import type { Config, Secret } from "../../../schemas/secret-api.js";
import { subjects } from "../../../schemas/index.js";
import { versionOf, type ClusterState, type SecretView } from "../../shared/model/index.js";
import { labelMatches, matches, type Filters } from "./filters.js";
import { objectsOf, type ObjectKind } from "./secret-decide.js";

/* Secrets and configs → the Engine API's shapes (plus jetswarm's `Versions`). Never a secret's data. */

/** Docker's filters for `secret ls` / `config ls`: `id` and `name` are prefixes, `names` exact, `label` key or key=value. */
export const OBJECT_FILTERS = ["id", "name", "names", "label"] as const;

function meta(state: ClusterState, kind: ObjectKind, v: SecretView) {
  return {
    ID: v.id,
    Version: { Index: versionOf(state, subjects.event(kind, v.id)) },
    CreatedAt: v.createdAt,
    UpdatedAt: v.updatedAt,
    Versions: v.versions.map((x) => ({ Version: x.version, Size: x.size, CreatedAt: x.createdAt })),
  };
}

export function secretView(state: ClusterState, v: SecretView): Secret {
  return { ...meta(state, "secret", v), Spec: { Name: v.name, Labels: v.labels } };
}

/** `data`: the current payload, base64 (inspect reads it from the secret-store; lists leave it out). */
export function configView(state: ClusterState, v: SecretView, data?: string): Config {
  return { ...meta(state, "config", v), Spec: { Name: v.name, Labels: v.labels, ...(data === undefined ? {} : { Data: data }) } };
}

/** The objects the filters keep, oldest first (the log's order). */
export function listObjects(state: ClusterState, kind: ObjectKind, f: Filters): SecretView[] {
  return [...objectsOf(state, kind).values()].filter((v) =>
    matches(f, "id", (x) => v.id.startsWith(x)) &&
    matches(f, "name", (x) => v.name.startsWith(x)) &&
    matches(f, "names", (x) => v.name === x) &&
    matches(f, "label", (x) => labelMatches(v.labels, x)));
}
