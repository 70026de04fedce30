/*
 * `inspect -f` (docker's `--format` on one object): `{{.A.B}}` reads a path of the object,
 * `{{json .A}}` prints it as JSON; `\t` and `\n` as in list formats. A string prints as is, a
 * number or boolean as text; an object or array prints as JSON (Go would print `map[…]`: JSON is
 * what scripts parse).
 */

const ACTION = /\{\{\s*(.*?)\s*\}\}/g;
const PATH = /^(json\s+)?\.((?:[A-Za-z0-9_]+)(?:\.[A-Za-z0-9_]+)*)?$/;

function lookup(value: unknown, path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== "object" || !(key in v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function show(v: unknown, json: boolean): string {
  if (json) return JSON.stringify(v ?? null);
  if (v === undefined || v === null) return "<no value>";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** The template filled from `value`; an action it cannot read is an error naming it. */
export function renderInspect(template: string, value: unknown): string {
  const t = template.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
  return t.replace(ACTION, (_, action: string) => {
    const m = PATH.exec(action);
    if (!m) throw new Error(`--format: cannot evaluate {{${action}}} (use {{.Field.Sub}} or {{json .Field}})`);
    return show(m[2] ? lookup(value, m[2].split(".")) : value, m[1] !== undefined);
  });
}
