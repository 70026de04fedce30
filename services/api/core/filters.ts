import { z } from "zod";
import { formatZodError } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";

/**
 * Docker's `filters` query parameter: JSON `{"key": ["v1", "v2"]}` (or the legacy
 * `{"key": {"v1": true}}`). Values of one key are OR-ed, keys are AND-ed.
 */
export type Filters = Map<string, string[]>;

const Raw = z.record(z.string(), z.union([z.array(z.string()), z.record(z.string(), z.boolean())]));

/** The values a filter key accepts, for keys whose values form a closed set (`mode`: replicated, global). */
export type FilterValues = Readonly<Partial<Record<string, readonly string[]>>>;

/** Unknown keys, and values outside a key's closed set, are refused naming them (Docker's words). */
export function parseFilters(raw: string | null, allowed: readonly string[], values: FilterValues = {}): Filters {
  const out: Filters = new Map();
  if (!raw) return out;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw invalidArgument(`invalid filter: ${raw}`);
  }
  const r = Raw.safeParse(json);
  if (!r.success) throw invalidArgument(`invalid filter: ${formatZodError(r.error)}`);
  for (const [key, v] of Object.entries(r.data)) {
    if (!allowed.includes(key)) throw invalidArgument(`invalid filter '${key}'`);
    const list = Array.isArray(v) ? v : Object.keys(v).filter((k) => v[k]);
    const closed = values[key];
    const bad = closed ? list.find((x) => !closed.includes(x)) : undefined;
    if (bad !== undefined) throw invalidArgument(`invalid filter '${key}=${bad}'`);
    out.set(key, list);
  }
  return out;
}

/** True when the filter has no values for `key`, or `test` accepts one of them. */
export function matches(filters: Filters, key: string, test: (value: string) => boolean): boolean {
  const values = filters.get(key);
  return !values || values.length === 0 || values.some(test);
}

/** Docker's label filter: `key` (present) or `key=value`. */
export function labelMatches(labels: Record<string, string> | undefined, f: string): boolean {
  const i = f.indexOf("=");
  if (i < 0) return labels?.[f] !== undefined;
  return labels?.[f.slice(0, i)] === f.slice(i + 1);
}
