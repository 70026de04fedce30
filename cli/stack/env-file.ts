/*
 * docker's env-file format (`--env-file`, compose `env_file:` and the `.env` file): `KEY=VALUE`
 * lines, `#` comments and blank lines skipped, leading whitespace of a key trimmed, the value kept
 * as written (no quote removal); a bare `KEY` takes its value from the environment when it is set
 * there, and is dropped when not. Pure: the text is read by the caller.
 */

export type EnvLookup = (name: string) => string | undefined;

/** The variables of an env file, in order; a bare `KEY` missing from `lookup` is left out. */
export function parseEnvFile(text: string, lookup: EnvLookup): [string, string][] {
  const out: [string, string][] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\s+/, "");
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key === "") throw new Error(`line ${i + 1}: no variable name on line '${raw}'`);
    if (/\s/.test(key)) throw new Error(`line ${i + 1}: variable '${key}' contains whitespaces`);
    if (eq >= 0) {
      out.push([key, line.slice(eq + 1)]);
      return;
    }
    const v = lookup(key);
    if (v !== undefined) out.push([key, v]);
  });
  return out;
}

/**
 * The `.env` file as docker compose reads it for interpolation: `KEY=VALUE`, optional `export `,
 * surrounding single or double quotes removed. Variables already in the environment win.
 */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2] ?? "";
    const q = /^(['"])(.*)\1$/.exec(value);
    if (q) value = q[1] === '"' ? (q[2] ?? "").replace(/\\n/g, "\n").replace(/\\"/g, '"') : q[2] ?? "";
    else value = value.replace(/\s+#.*$/, "");
    out[m[1] ?? ""] = value;
  }
  return out;
}
