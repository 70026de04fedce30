import ajvDraft04 from "ajv-draft-04";
import type { ErrorObject, ValidateFunction } from "ajv";
import { COMPOSE_SCHEMAS, DEFAULT_VERSION } from "./schema-files.js";
import { errorAt, type KeyPath, type SourceFile } from "./yaml-source.js";
import { parseGoDuration } from "./units.js";
import { parsePortSpec } from "./ports.js";

/*
 * Validation against the compose file formats docker CLI 28 embeds (schemas 3.0–3.13, vendored in
 * schema/, draft-04: hence ajv-draft-04 over ajv 8), the one the file's `version:` names. As
 * docker, one error is reported: the most specific (deepest key), a type error winning a tie; it
 * names the file, the line and the key.
 */

const compiled = new Map<string, ValidateFunction>();
function validator(version: string): ValidateFunction {
  const known = compiled.get(version);
  if (known) return known;
  const schema = COMPOSE_SCHEMAS[version];
  if (!schema) throw new Error(`no schema ${version}`);
  const ajv = new ajvDraft04.default({ allErrors: true, strict: false });
  // docker's format checkers (cli/compose/schema/schema.go); "expose" is not checked there either.
  ajv.addFormat("duration", { type: "string", validate: (s: string) => parseGoDuration(s) !== undefined });
  ajv.addFormat("ports", { type: "string", validate: (s: string) => isPortSpec(s) });
  ajv.addFormat("expose", true);
  const fn = ajv.compile(schema);
  compiled.set(version, fn);
  return fn;
}

function isPortSpec(s: string): boolean {
  try {
    parsePortSpec(s);
    return true;
  } catch {
    return false;
  }
}

/** The schema version a file asks for, as docker reads `version:` (absent, "" or "3": the latest 3.x). */
export function composeVersion(data: Record<string, unknown>): string {
  const v = data.version === undefined || data.version === null ? "" : String(data.version);
  return v === "" || v === "3" ? DEFAULT_VERSION : v;
}

/** Throws a ComposeError for the first problem docker would report; `data` is the interpolated file. */
export function validateCompose(source: SourceFile, data: Record<string, unknown>): void {
  const version = composeVersion(data);
  if (!COMPOSE_SCHEMAS[version]) {
    throw errorAt([source], ["version"], `unsupported Compose file version: ${version} (docker stack deploy reads 3.0 to 3.13)`);
  }
  const validate = validator(version);
  if (validate(data)) return;
  const errors = validate.errors ?? [];
  const chosen = mostSpecific(errors);
  if (!chosen) return;
  // A value that fits none of a oneOf's forms fails one type check per form: name them all.
  const types = errors.filter((e) => e.keyword === "type" && e.instancePath === chosen.instancePath).map((e) => String((e.params as { type: string }).type));
  const described = chosen.keyword === "type" && types.length > 1 ? describe({ ...chosen, params: { type: [...new Set(types)].join(",") } }) : describe(chosen);
  throw errorAt([source], pathOf(chosen), described);
}

function pathOf(e: ErrorObject): KeyPath {
  const parts: (string | number)[] = e.instancePath.split("/").slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^[0-9]+$/.test(p) ? Number(p) : p));
  if (e.keyword === "additionalProperties") parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  return parts;
}

function mostSpecific(errors: ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const e of errors) {
    if (!best) { best = e; continue; }
    const d = pathOf(e).length - pathOf(best).length;
    if (d > 0 || (d === 0 && e.keyword === "type" && best.keyword !== "type")) best = e;
  }
  return best;
}

const TYPE_NAMES: Record<string, string> = { object: "mapping", array: "list", integer: "integer", number: "number", string: "string", boolean: "boolean", null: "null" };

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "type": {
      const types = String(p.type).split(",").map((t) => TYPE_NAMES[t] ?? t);
      const last = types.pop() ?? "";
      const name = types.length ? `${types.join(", ")} or ${last}` : last;
      return `must be ${/^[aeiou]/.test(name) ? "an" : "a"} ${name}`;
    }
    case "additionalProperties": return "unsupported key (not in the compose file format docker stack deploy reads)";
    case "enum": return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "format": return `must be a valid ${String(p.format)}`;
    case "required": return `${String(p.missingProperty)}: required`;
    case "uniqueItems": return "must not contain duplicate items";
    case "oneOf": case "anyOf": return "is not in any of the accepted forms";
    default: return e.message ?? e.keyword;
  }
}
