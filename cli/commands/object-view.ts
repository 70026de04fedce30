import type { Config, Secret } from "../../schemas/secret-api.js";
import { ago } from "../output/time.js";
import { GO_TYPE, goTemplate, type GoStruct } from "../output/template.js";
import { goTimeString } from "./node-view.js";
import { CONFIG_PRETTY, SECRET_PRETTY } from "./pretty-templates.js";
import type { ObjectKind } from "./object-data.js";

/*
 * How `secret ls|inspect --pretty` and `config ls|inspect --pretty` show an object (docker 28's
 * columns and pretty template; times as docker's PrettyPrint: `5 minutes ago`), plus jetswarm's
 * payload versions.
 */

export type AnyObject = Secret | Config;

/** `ls` columns: a secret has a DRIVER column (always empty: jetswarm has no secret drivers), a config none. */
export function lsHeaders(kind: ObjectKind): Record<string, string> {
  return kind === "secret"
    ? { ID: "ID", Name: "NAME", Driver: "DRIVER", CreatedAt: "CREATED", UpdatedAt: "UPDATED" }
    : { ID: "ID", Name: "NAME", CreatedAt: "CREATED", UpdatedAt: "UPDATED" };
}

/** Headers of every `--format` field, for `table` formats (the ls columns and the others). */
export function formatHeaders(kind: ObjectKind): Record<string, string> {
  return { ...lsHeaders(kind), Labels: "LABELS", Version: "VERSION" };
}

function labelsText(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
}

/**
 * One object as docker's secret/config row context (`{{.ID}}`, `{{.Name}}`, …, `{{.Labels}}`,
 * `{{.Label "k"}}`) with jetswarm's `{{.Version}}`.
 */
export function formatRow(kind: ObjectKind, o: AnyObject, now: Date): GoStruct {
  return {
    [GO_TYPE]: kind === "secret" ? "*secret.secretContext" : "*config.configContext",
    ID: o.ID, Name: o.Spec.Name, ...(kind === "secret" ? { Driver: "" } : {}),
    CreatedAt: ago(o.CreatedAt, now), UpdatedAt: ago(o.UpdatedAt, now), Labels: labelsText(o.Spec.Labels),
    Label: (k: string) => o.Spec.Labels[k] ?? "",
    Version: String(o.Versions.at(-1)?.Version ?? 1),
  };
}

/** The default `ls` table rows (IDs untruncated, as docker). */
export function lsRows(kind: ObjectKind, objects: AnyObject[], now: Date): string[][] {
  const keys = Object.keys(lsHeaders(kind));
  return objects.map((o) => {
    const f = formatRow(kind, o, now);
    return keys.map((k) => String(f[k] ?? ""));
  });
}

/** jetswarm's payload versions, after docker's fields (before a config's Data, which stays last). */
const VERSIONS = `
Versions:{{range .Versions}}
 - {{.}}{{end}}`;
const [configHead, configData] = CONFIG_PRETTY.split("\nData:");
const secretPretty = goTemplate(SECRET_PRETTY + VERSIONS);
const configPretty = goTemplate(`${configHead}${VERSIONS}\nData:${configData}`);

/**
 * docker's `inspect --pretty` (its secret and config templates: times as Go prints them, a
 * config's data as text), with jetswarm's versions. No newline at the end: docker adds one per object.
 */
export function prettyObject(kind: ObjectKind, o: AnyObject, now: Date): string {
  const data = (o as Config).Spec.Data;
  const ctx = {
    [GO_TYPE]: `*${kind}.${kind}InspectContext`, ID: o.ID, Name: o.Spec.Name, Labels: o.Spec.Labels, Driver: "",
    CreatedAt: goTimeString(o.CreatedAt), UpdatedAt: goTimeString(o.UpdatedAt),
    Versions: o.Versions.map((v) => `${v.Version}: ${v.Size} bytes, created ${ago(v.CreatedAt, now)}`),
    Data: data === undefined ? "" : Buffer.from(data, "base64").toString("utf8"),
  };
  return (kind === "secret" ? secretPretty : configPretty).execute(ctx);
}
