import { goTemplate, type GoStruct } from "./template.js";

/*
 * `--format` on list commands as docker/cli's formatter.Context writes it: the format is a Go
 * template (template.ts) run once per row context; `json` is `{{json .}}`; a `table ` prefix
 * prints a header row (the same template over the column names, docker's HeaderFunctions) and
 * aligns the tab-separated cells as docker's tabwriter (min width 10, padding 3). `\t` and `\n`
 * in the format are tabs and newlines. Errors are docker's: `template parsing error: …`.
 */

/** The default of `ls`/`ps` when no `--format` is given (`table`), and with `-q` (`{{.ID}}`). */
export interface ListFormats { table: string; quiet?: string }

/** docker's choice of format: `--format` as given (also with `-q`); else the table, or `{{.ID}}` with `-q`. */
export function chooseFormat(format: string | undefined, quiet: boolean | undefined, defaults: ListFormats): string {
  const f = format || "table";
  if (f === "table") return quiet ? defaults.quiet ?? "{{.ID}}" : defaults.table;
  return f;
}

/** docker's SubHeaderContext: field → column name, and `.Label "a.b-c"` → `b c`. */
function headerContext(headers: Record<string, string>): Record<string, unknown> {
  return { ...headers, Label: (name: string) => (name.split(".").at(-1) ?? "").replace(/[-_]/g, " ") };
}

function compile(finalFormat: string) {
  try {
    return goTemplate(finalFormat);
  } catch (err) {
    throw new Error(`template parsing error: ${(err as Error).message}`);
  }
}

/** Go's tabwriter over the text: each tab-terminated cell padded to its column's widest plus 3 (min 10). */
export function tabwrite(text: string): string {
  const lines = text.split("\n").map((l) => l.split("\t"));
  const widths: number[] = [];
  for (const cells of lines) {
    cells.slice(0, -1).forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 10, c.length + 3); });
  }
  return lines.map((cells) => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]!) : c)).join("")).join("\n");
}

/**
 * Renders `rows` (docker's row contexts) with `format`; `headers` names each field's column for
 * `table` formats. Each row ends with a newline.
 */
export function renderFormat(format: string, rows: GoStruct[], headers: Record<string, string>): string {
  const table = format.startsWith("table");
  let finalFormat = table ? format.slice("table".length) : format === "json" ? "{{json .}}" : format;
  finalFormat = finalFormat.replace(/^ +| +$/g, "").replace(/\\t/g, "\t").replace(/\\n/g, "\n");
  const tmpl = compile(finalFormat);
  const body = rows.map((r) => {
    try {
      return tmpl.execute(r) + "\n";
    } catch (err) {
      throw new Error(`template parsing error: ${(err as Error).message}`);
    }
  }).join("");
  if (!table) return body;
  let head: string;
  try {
    head = tmpl.execute(headerContext(headers), { header: true });
  } catch {
    head = ""; // docker ignores a header that does not render
  }
  return tabwrite(head + "\n" + body);
}
