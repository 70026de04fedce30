/*
 * Values as Go's text/template sees them: how they print (fmt.Sprint), when they are true, and
 * the functions docker's templates offer (docker/cli `templates`: json, split, join, title, lower,
 * upper, pad, truncate) with Go's builtins (and, or, not, len, index, eq, ne, lt, le, gt, ge,
 * print, printf, println). Pure.
 */

/**
 * Marks an object as one of docker's Go context structs (`*service.serviceContext`): reading a
 * field it has not is an error naming the type, and `{{json .}}` prints its fields sorted.
 */
export const GO_TYPE = Symbol("goType");
export type GoStruct = { [GO_TYPE]: string; [field: string]: unknown };

export function isStruct(v: unknown): v is GoStruct {
  return typeof v === "object" && v !== null && GO_TYPE in v;
}

export function goTypeName(v: unknown): string {
  if (isStruct(v)) return v[GO_TYPE];
  if (Array.isArray(v)) return "[]interface {}";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  if (typeof v === "object" && v !== null) return "map[string]interface {}";
  return typeof v === "string" || typeof v === "boolean" ? (typeof v === "string" ? "string" : "bool") : "interface {}";
}

/** fmt.Sprint of a value; `top` is the template's own print, where nil is `<no value>`. */
export function goPrint(v: unknown, top = true): string {
  if (v === undefined || v === null) return top ? "<no value>" : "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => goPrint(x, false)).join(" ")}]`;
  if (typeof v === "function") return "<func>";
  if (isStruct(v)) return `{${fieldsOf(v).map(([, x]) => goPrint(x, false)).join(" ")}}`;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[${entries.map(([k, x]) => `${k}:${goPrint(x, false)}`).join(" ")}]`;
}

/** A context struct's niladic fields (docker's MarshalJSON skips methods that take arguments). */
function fieldsOf(v: GoStruct): [string, unknown][] {
  return Object.entries(v).filter(([, x]) => typeof x !== "function");
}

function toJsonValue(v: unknown): unknown {
  if (isStruct(v)) return Object.fromEntries(fieldsOf(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, toJsonValue(x)]));
  if (Array.isArray(v)) return v.map(toJsonValue);
  return v === undefined ? null : v;
}

export function goJson(v: unknown): string {
  return JSON.stringify(toJsonValue(v));
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false; structs are true. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string" || Array.isArray(v)) return v.length > 0;
  if (typeof v === "object" && !isStruct(v)) return Object.keys(v).length > 0;
  return true;
}

type Fn = (...args: unknown[]) => unknown;
/** A function and its number of arguments (-1: any number; at least `min`). */
export interface FuncDef { arity: number; min?: number; fn: Fn }

function str(v: unknown, fn: string): string {
  if (typeof v !== "string") throw new Error(`wrong type for value; expected string; got ${goTypeName(v)} (in ${fn})`);
  return v;
}

function join(elems: unknown, sep: unknown): string {
  if (elems === undefined || elems === null) return "";
  if (Array.isArray(elems)) return elems.map((x) => goPrint(x, false)).join(str(sep, "join"));
  if (typeof elems === "object" && !isStruct(elems)) return Object.values(elems).map((x) => goPrint(x, false)).sort().join(str(sep, "join"));
  throw new Error(`expected slice, got ${goTypeName(elems)}`);
}

function index(v: unknown, ...keys: unknown[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (Array.isArray(cur) || typeof cur === "string") {
      if (typeof k !== "number" || k < 0 || k >= cur.length) throw new Error(`index out of range: ${goPrint(k)}`);
      cur = cur[k];
    } else if (typeof cur === "object" && cur !== null && !isStruct(cur)) {
      const map = cur as Record<string, unknown>;
      // A missing key gives the map's zero value: "" for a map of strings (docker's Labels).
      cur = k as string in map ? map[k as string] : Object.values(map).every((x) => typeof x === "string") ? "" : undefined;
    } else throw new Error(`can't index item of type ${goTypeName(cur)}`);
  }
  return cur;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) throw new Error("incompatible types for comparison");
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function eq(a: unknown, ...bs: unknown[]): boolean {
  for (const b of bs) {
    if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
    if (typeof a === "object" || typeof b === "object") throw new Error("incompatible types for comparison");
    if (typeof a !== typeof b) throw new Error("incompatible types for comparison");
    if (a === b) return true;
  }
  return false;
}

function printf(format: unknown, ...args: unknown[]): string {
  let i = 0;
  return str(format, "printf").replace(/%([%svdqt])/g, (_, verb: string) => {
    if (verb === "%") return "%";
    const a = args[i++];
    if (verb === "q") return JSON.stringify(goPrint(a, false));
    return goPrint(a, false);
  });
}

const words = (s: string) => s.replace(/(^|[^A-Za-z0-9_'])([a-z])/g, (_, pre: string, c: string) => pre + c.toUpperCase());

export const FUNCS: Readonly<Record<string, FuncDef>> = {
  json: { arity: 1, fn: goJson },
  split: { arity: 2, fn: (s, sep) => str(s, "split").split(str(sep, "split")) },
  join: { arity: 2, fn: join },
  title: { arity: 1, fn: (s) => words(str(s, "title")) },
  lower: { arity: 1, fn: (s) => str(s, "lower").toLowerCase() },
  upper: { arity: 1, fn: (s) => str(s, "upper").toUpperCase() },
  pad: { arity: 3, fn: (s, pre, post) => (str(s, "pad") === "" ? "" : " ".repeat(Number(pre)) + (s as string) + " ".repeat(Number(post))) },
  truncate: { arity: 2, fn: (s, n) => (str(s, "truncate").length < Number(n) ? s : (s as string).slice(0, Number(n))) },
  and: { arity: -1, min: 1, fn: (...a) => a.find((x) => !isTrue(x)) ?? a[a.length - 1] },
  or: { arity: -1, min: 1, fn: (...a) => a.find((x) => isTrue(x)) ?? a[a.length - 1] },
  not: { arity: 1, fn: (a) => !isTrue(a) },
  len: { arity: 1, fn: (v) => {
    if (typeof v === "string" || Array.isArray(v)) return v.length;
    if (typeof v === "object" && v !== null && !isStruct(v)) return Object.keys(v).length;
    throw new Error(`len of type ${goTypeName(v)}`);
  } },
  index: { arity: -1, min: 1, fn: index },
  eq: { arity: -1, min: 2, fn: eq },
  ne: { arity: 2, fn: (a, b) => !eq(a, b) },
  lt: { arity: 2, fn: (a, b) => compare(a, b) < 0 },
  le: { arity: 2, fn: (a, b) => compare(a, b) <= 0 },
  gt: { arity: 2, fn: (a, b) => compare(a, b) > 0 },
  ge: { arity: 2, fn: (a, b) => compare(a, b) >= 0 },
  print: { arity: -1, fn: (...a) => a.map((x) => goPrint(x, false)).join("") },
  printf: { arity: -1, min: 1, fn: printf },
  println: { arity: -1, fn: (...a) => a.map((x) => goPrint(x, false)).join(" ") + "\n" },
};

/** docker's HeaderFunctions: a table's header row keeps the column names as they are. */
const same: FuncDef["fn"] = (v) => v;
export const HEADER_FUNCS: Readonly<Record<string, FuncDef>> = {
  ...FUNCS,
  json: { arity: 1, fn: same }, split: { arity: 2, fn: same }, join: { arity: 2, fn: same },
  title: { arity: 1, fn: same }, lower: { arity: 1, fn: same }, upper: { arity: 1, fn: same }, truncate: { arity: 2, fn: same },
};
