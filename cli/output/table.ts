/**
 * Columns aligned as docker's tabwriter does (min width 10, padding 3): each cell but the last is
 * padded to its column's widest cell plus 3 spaces. Headers are upper-case. Trailing blanks trimmed.
 */
const MIN_WIDTH = 10;
const PADDING = 3;

export function renderTable(headers: string[], rows: string[][]): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, c) => Math.max(MIN_WIDTH, ...all.map((r) => (r[c] ?? "").length + PADDING)));
  return all
    .map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("").trimEnd())
    .join("\n") + "\n";
}

/** `ready` → `Ready`, `on-failure` → `On-failure` (docker's PrettyPrint of enum strings). */
export function titleCase(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** Docker shows the first 12 characters of an id unless `--no-trunc`. */
export function shortId(id: string, noTrunc = false): string {
  return noTrunc ? id : id.slice(0, 12);
}
