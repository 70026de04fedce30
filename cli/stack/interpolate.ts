import type { KeyPath } from "./yaml-source.js";

/*
 * docker's compose interpolation (cli/compose/template, cli/compose/loader/interpolate.go): every
 * string value (never a key) gets `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty),
 * `${VAR-default}` (unset), `${VAR:?err}` (unset or empty is an error), `${VAR?err}` (unset is an
 * error), `$$` (a literal `$`); an unset variable without a default becomes "". Values at the
 * paths docker casts (replicas, ports' target, booleans…) are then turned into numbers/booleans.
 */

export type Lookup = (name: string) => string | undefined;

/** A failed substitution: where (path) and docker's message. */
export class InterpolationError extends Error {
  constructor(readonly path: KeyPath, message: string) {
    super(message);
    this.name = "InterpolationError";
  }
}

const SUBST = "[_a-z][_a-z0-9]*(?::?[-?][^}]*)?";
const PATTERN = new RegExp(`\\$(?:(\\$)|(${SUBST})|\\{(${SUBST})\\}|())`, "gi");

/** One string with its variables substituted; throws a plain Error with docker's message. */
export function substitute(template: string, lookup: Lookup): string {
  return template.replace(PATTERN, (_m, escaped?: string, named?: string, braced?: string) => {
    if (escaped) return escaped;
    const body = named || braced;
    if (!body) throw new Error(`invalid interpolation format: ${JSON.stringify(template)}`);
    return apply(body, lookup);
  });
}

function apply(body: string, lookup: Lookup): string {
  const cut = (sep: string): [string, string] => {
    const i = body.indexOf(sep);
    return [body.slice(0, i), body.slice(i + sep.length)];
  };
  // docker tries these in this order, each matching anywhere in the body.
  if (body.includes(":-")) {
    const [name, def] = cut(":-");
    const v = lookup(name);
    return v === undefined || v === "" ? def : v;
  }
  if (body.includes("-")) {
    const [name, def] = cut("-");
    return lookup(name) ?? def;
  }
  if (body.includes(":?")) {
    const [name, msg] = cut(":?");
    const v = lookup(name);
    if (v === undefined || v === "") throw new Error(`required variable ${name} is missing a value: ${msg}`);
    return v;
  }
  if (body.includes("?")) {
    const [name, msg] = cut("?");
    const v = lookup(name);
    if (v === undefined) throw new Error(`required variable ${name} is missing a value: ${msg}`);
    return v;
  }
  return lookup(body) ?? "";
}

type Cast = (v: string) => unknown;
const toInt: Cast = (v) => (/^[-+]?[0-9]+$/.test(v) ? Number(v) : fail(`invalid integer: ${v}`));
const toFloat: Cast = (v) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : fail(`invalid float: ${v}`));
const toBool: Cast = (v) => {
  const l = v.toLowerCase();
  if (["y", "yes", "true", "on"].includes(l)) return true;
  if (["n", "no", "false", "off"].includes(l)) return false;
  return fail(`invalid boolean: ${v}`);
};
function fail(message: string): never {
  throw new Error(message);
}

// `*` matches any key or index; docker's interpolateTypeCastMapping.
const CASTS: [string, Cast][] = [
  ["services.*.configs.*.mode", toInt], ["services.*.secrets.*.mode", toInt],
  ["services.*.healthcheck.retries", toInt], ["services.*.healthcheck.disable", toBool],
  ["services.*.deploy.replicas", toInt],
  ["services.*.deploy.update_config.parallelism", toInt], ["services.*.deploy.update_config.max_failure_ratio", toFloat],
  ["services.*.deploy.rollback_config.parallelism", toInt], ["services.*.deploy.rollback_config.max_failure_ratio", toFloat],
  ["services.*.deploy.restart_policy.max_attempts", toInt], ["services.*.deploy.placement.max_replicas_per_node", toInt],
  ["services.*.ports.*.target", toInt], ["services.*.ports.*.published", toInt],
  ["services.*.ulimits.*", toInt], ["services.*.ulimits.*.hard", toInt], ["services.*.ulimits.*.soft", toInt],
  ["services.*.privileged", toBool], ["services.*.oom_score_adj", toInt], ["services.*.read_only", toBool],
  ["services.*.stdin_open", toBool], ["services.*.tty", toBool],
  ["services.*.volumes.*.read_only", toBool], ["services.*.volumes.*.volume.nocopy", toBool],
  ["networks.*.external", toBool], ["networks.*.internal", toBool], ["networks.*.attachable", toBool],
  ["volumes.*.external", toBool], ["secrets.*.external", toBool], ["configs.*.external", toBool],
];

function castFor(path: KeyPath): Cast | undefined {
  for (const [pattern, cast] of CASTS) {
    const parts = pattern.split(".");
    if (parts.length === path.length && parts.every((p, i) => p === "*" || p === String(path[i]))) return cast;
  }
  return undefined;
}

/** The document with every string value interpolated (and cast where docker casts); a new object. */
export function interpolate(value: unknown, lookup: Lookup, path: (string | number)[] = []): unknown {
  if (typeof value === "string") {
    try {
      const out = substitute(value, lookup);
      const cast = castFor(path);
      return cast ? cast(out) : out;
    } catch (e) {
      throw new InterpolationError(path, (e as Error).message);
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, lookup, path.concat(i)));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, lookup, path.concat(k));
    return out;
  }
  return value;
}
