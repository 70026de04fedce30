import { invalidArgument } from "../../shared/errors/index.js";

/*
 * A service spec as the docker CLI sends it, made jetswarm's sparse spec before the strict parse:
 * Go's zero values that mean "not set" (`null`, `Labels: {}` inside empty objects, `Placement: {}`,
 * `Resources: {Limits: {}, Reservations: {}}`, `Isolation: "default"`) are dropped. Everything else
 * is left for the strict schema, which refuses a field jetswarm cannot honour by its path. Pure.
 */

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Values that say "unset" in Docker's Go structs, by key. */
const UNSET: Record<string, (v: unknown) => boolean> = {
  Isolation: (v) => v === "default" || v === "",
  Runtime: (v) => v === "container" || v === "",
  NoNewPrivileges: (v) => v === false,
};
/** Objects dropped when nothing is left in them. */
const DROP_WHEN_EMPTY = new Set(["Placement", "Resources", "Limits", "Reservations", "RestartPolicy", "Privileges", "Annotations"]);

/** Deeper than any spec: a hostile, deeply nested body is left as it is for the parse to refuse. */
const MAX_DEPTH = 32;

function clean(v: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(v)) {
    if (raw === null || UNSET[k]?.(raw)) continue;
    const c = clean(raw, depth + 1);
    if (DROP_WHEN_EMPTY.has(k) && isPlainObject(c) && Object.keys(c).length === 0) continue;
    out[k] = c;
  }
  return out;
}

/** Docker's body → the spec jetswarm parses (the body itself when it is no object: the parse names it). */
export function engineServiceSpec(body: unknown): unknown {
  return clean(body);
}

/**
 * Docker's `X-Registry-Auth` (base64url JSON of the credentials, `{}` or absent when the client sends
 * none): jetswarm's nodes pull with their own engines' credentials, so credentials sent along
 * would be dropped silently; they are refused instead.
 */
export function registryAuthProblem(header: string | undefined): void {
  if (header === undefined || header === "") return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(atob(header.replace(/-/g, "+").replace(/_/g, "/")));
  } catch {
    throw invalidArgument("X-Registry-Auth: not base64-encoded JSON");
  }
  if (!isPlainObject(parsed)) throw invalidArgument("X-Registry-Auth: not a JSON object");
  const given = Object.entries(parsed).filter(([, v]) => v !== "" && v !== null && v !== undefined).map(([k]) => k);
  if (given.length > 0) {
    throw invalidArgument(`X-Registry-Auth: registry credentials are not supported (${given.join(", ")}): ` +
      "nodes pull with their engines' own credentials (docker login on each node), drop --with-registry-auth");
  }
}
