import type { Config, Secret } from "../../schemas/secret-api.js";
import { ago } from "../output/time.js";
import { GO_TYPE, type GoStruct } from "../output/template.js";
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

/** docker's `inspect --pretty`; a config's data is printed as is, jetswarm's versions are listed. */
export function prettyObject(kind: ObjectKind, o: AnyObject, now: Date): string {
  const out = [`ID:              ${o.ID}`, `Name:            ${o.Spec.Name}`];
  const labels = Object.entries(o.Spec.Labels);
  if (labels.length) out.push("Labels:", ...labels.map(([k, v]) => ` - ${k}${v ? `=${v}` : ""}`));
  if (kind === "secret") out.push("Driver:          ");
  out.push(`Created at:      ${ago(o.CreatedAt, now)}`, `Updated at:      ${ago(o.UpdatedAt, now)}`);
  out.push("Versions:", ...o.Versions.map((v) => ` - ${v.Version}: ${v.Size} bytes, created ${ago(v.CreatedAt, now)}`));
  const data = (o as Config).Spec.Data;
  if (kind === "config" && data !== undefined) out.push("Data:", Buffer.from(data, "base64").toString("utf8"));
  return out.join("\n");
}
