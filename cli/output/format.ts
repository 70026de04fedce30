import { renderTable } from "./table.js";

/*
 * `--format` for list commands, the part of docker's Go templates that `ls` users write:
 * `{{.Field}}` placeholders, `{{.Label "key"}}`, `\t` and `\n`; a `table ` prefix prints aligned
 * columns with headers; `json` prints one JSON object (the fields) per line.
 */

/** One row: the template fields (`ID`, `Name`, …) as display strings, and its labels for `.Label`. */
export interface FormatRow { fields: Record<string, string>; labels?: Record<string, string> }

const ACTION = /\{\{\s*(.*?)\s*\}\}/g;
const FIELD = /^\.([A-Za-z]+)$/;
const LABEL = /^\.Label\s+"([^"]*)"$/;

function unescape(s: string): string {
  return s.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
}

/** The value of one `{{…}}` action for a row; an unknown field is an error naming the ones there are. */
function evaluate(action: string, row: FormatRow): string {
  const label = LABEL.exec(action);
  if (label) return row.labels?.[label[1]!] ?? "";
  const field = FIELD.exec(action);
  if (field && field[1]! in row.fields) return row.fields[field[1]!]!;
  throw new Error(`--format: cannot evaluate {{${action}}} (fields: ${Object.keys(row.fields).map((k) => `.${k}`).join(", ")}, .Label "key")`);
}

function fill(template: string, row: FormatRow): string {
  return template.replace(ACTION, (_, action: string) => evaluate(action, row));
}

/**
 * Renders `rows` with `format`. `headers` names each field's column header (`CreatedAt` →
 * `CREATED`) for `table` formats. The result ends with a newline unless there is nothing to print.
 */
export function renderFormat(format: string, rows: FormatRow[], headers: Record<string, string>): string {
  if (format.trim() === "json") return rows.map((r) => JSON.stringify(r.fields) + "\n").join("");
  const table = format.startsWith("table");
  const template = unescape(table ? format.slice("table".length).trimStart() : format);
  if (!table) return rows.map((r) => fill(template, r) + "\n").join("");
  // Each tab-separated part is a column; its header fills its actions with the fields' headers.
  const columns = template.split("\t");
  const headerRow: FormatRow = { fields: Object.fromEntries(Object.keys(headers).map((k) => [k, headers[k]!])) };
  const heads = columns.map((c) => c.replace(ACTION, (_, a: string) => (LABEL.test(a) ? LABEL.exec(a)![1]!.toUpperCase() : evaluate(a, headerRow))));
  const body = rows.map((r) => columns.map((c) => fill(c, r)));
  return renderTable(heads, body);
}
