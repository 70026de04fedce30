import ajvDraft04 from "ajv-draft-04";
import type { ErrorObject, ValidateFunction } from "ajv";
import schema from "./schema/config_schema_v3.13.json" with { type: "json" };
import { errorAt, type KeyPath, type SourceFile } from "./yaml-source.js";
import { parseGoDuration } from "./units.js";
import { parsePortSpec } from "./ports.js";

/*
 * Validation against the compose file format docker CLI 28 embeds (schema 3.13, vendored in
 * schema/, draft-04: hence ajv-draft-04 over ajv 8). As docker, one error is reported: the most
 * specific (deepest key), a type error winning a tie; it names the file, the line and the key.
 */

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new ajvDraft04.default({ allErrors: true, strict: false });
  // docker's format checkers (cli/compose/schema/schema.go); "expose" is not checked there either.
  ajv.addFormat("duration", { type: "string", validate: (s: string) => parseGoDuration(s) !== undefined });
  ajv.addFormat("ports", { type: "string", validate: (s: string) => isPortSpec(s) });
  ajv.addFormat("expose", true);
  const fn = ajv.compile(schema);
  compiled = fn;
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

/** The versions this schema accepts in `version:` (docker picks the schema by it; 3.13 is a superset). */
const VERSION_RE = /^3(\.([0-9]|1[0-3]))?$/;

/** Throws a ComposeError for the first problem docker would report; `data` is the interpolated file. */
export function validateCompose(source: SourceFile, data: Record<string, unknown>): void {
  const version = data.version;
  if (version !== undefined && !VERSION_RE.test(String(version))) {
    throw errorAt([source], ["version"], `unsupported Compose file version: ${String(version)} (docker stack deploy reads 3.x)`);
  }
  const validate = validator();
  if (validate(data)) return;
  const chosen = mostSpecific(validate.errors ?? []);
  if (chosen) throw errorAt([source], pathOf(chosen), describe(chosen));
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
