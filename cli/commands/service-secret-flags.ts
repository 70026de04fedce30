import type { ConfigReference, ContainerSpec, SecretReference } from "../../schemas/index.js";

/*
 * `--secret` / `--config` (docker's opts.SecretOpt / ConfigOpt, pure): `NAME` or a CSV of
 * `source=NAME,target=T,uid=U,gid=G,mode=0400`; jetswarm adds `NAME@3` (pin version 3). The CLI
 * sends the name in both the id and the name field: the api resolves it (ids first) and fills the
 * id and the version.
 */

type Kind = "secret" | "config";
interface Parsed { name: string; version?: number; file: { Name: string; UID: string; GID: string; Mode: number } }

/** Go's csv reader for one line: commas separate, double quotes may wrap a field. */
function csvFields(value: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (quoted) {
      if (ch === '"' && value[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"' && cur === "") quoted = true;
    else if (ch === ",") { out.push(cur); cur = ""; } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Go's strconv.ParseUint(v, 0, 32): `0400` and `0o400` octal, `0x…` hex, else decimal. */
function parseMode(v: string): number {
  const m = /^(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|[1-9][0-9]*|0)$/.exec(v);
  if (!m) throw new Error(`invalid mode specified: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = /^0[xX]/.test(v) ? parseInt(v.slice(2), 16) : /^0[oO]?[0-7]/.test(v) ? parseInt(v.replace(/^0[oO]?/, ""), 8) : Number(v);
  return n;
}

/** `NAME@3` → name and pinned version. */
function source(kind: Kind, value: string): { name: string; version?: number } {
  const at = value.lastIndexOf("@");
  if (at < 0) return { name: value };
  const v = value.slice(at + 1);
  if (!/^[1-9][0-9]*$/.test(v)) throw new Error(`invalid ${kind} version "${v}" in ${value}: expected a positive integer`);
  return { name: value.slice(0, at), version: Number(v) };
}

export function parseReference(kind: Kind, value: string): Parsed {
  const fields = csvFields(value);
  const file = { Name: "", UID: "0", GID: "0", Mode: 0o444 };
  let src = "";
  if (fields.length === 1 && !fields[0]!.includes("=")) {
    src = fields[0]!;
  } else {
    for (const field of fields) {
      const i = field.indexOf("=");
      if (i <= 0) throw new Error(`invalid field '${field}' must be a key=value pair`);
      const key = field.slice(0, i).toLowerCase();
      const val = field.slice(i + 1);
      if (key === "source" || key === "src") src = val;
      else if (key === "target") file.Name = val;
      else if (key === "uid") file.UID = val;
      else if (key === "gid") file.GID = val;
      else if (key === "mode") file.Mode = parseMode(val);
      else throw new Error(`invalid field in ${kind} request: ${key}`);
    }
  }
  if (!src) throw new Error("source is required");
  const { name, version } = source(kind, src);
  if (!name) throw new Error("source is required");
  if (!file.Name) file.Name = name;
  return { name, file, ...(version !== undefined ? { version } : {}) };
}

/** docker's ParseSecrets/ParseConfigs duplicate check, over the references being added. */
function checkDuplicates(kind: Kind, parsed: Parsed[]): void {
  const seen = new Set<string>();
  for (const p of parsed) {
    if (seen.has(p.file.Name)) throw new Error(`duplicate ${kind} target for ${p.name} not allowed`);
    seen.add(p.file.Name);
  }
}

const pin = (p: Parsed) => (p.version !== undefined ? { Version: p.version, Pinned: true } : {});

export function secretReferences(values: string[]): SecretReference[] {
  const parsed = values.map((v) => parseReference("secret", v));
  checkDuplicates("secret", parsed);
  return parsed.map((p) => ({ File: p.file, SecretID: p.name, SecretName: p.name, ...pin(p) }));
}

export function configReferences(values: string[]): ConfigReference[] {
  const parsed = values.map((v) => parseReference("config", v));
  checkDuplicates("config", parsed);
  return parsed.map((p) => ({ File: p.file, ConfigID: p.name, ConfigName: p.name, ...pin(p) }));
}

export interface ReferenceFlags { secret?: string[]; config?: string[] }
export interface ReferenceUpdateFlags { secretAdd?: string[]; secretRm?: string[]; configAdd?: string[]; configRm?: string[] }

/** `service create --secret/--config`: the references, or the spec unchanged when none is given. */
export function withReferences(c: ContainerSpec, f: ReferenceFlags): ContainerSpec {
  const out = { ...c };
  if (f.secret?.length) out.Secrets = secretReferences(f.secret);
  if (f.config?.length) out.Configs = configReferences(f.config);
  return out;
}

/** docker's getUpdatedSecrets: drop those named by `--*-rm` (name or id), then append `--*-add`. */
export function updateReferences(c: ContainerSpec, f: ReferenceUpdateFlags): ContainerSpec {
  const out = { ...c };
  const secretRm = new Set(f.secretRm ?? []);
  const secrets = [...(c.Secrets ?? []).filter((r) => !secretRm.has(r.SecretName) && !secretRm.has(r.SecretID)), ...secretReferences(f.secretAdd ?? [])];
  const configRm = new Set(f.configRm ?? []);
  const configs = [...(c.Configs ?? []).filter((r) => !configRm.has(r.ConfigName) && !configRm.has(r.ConfigID)), ...configReferences(f.configAdd ?? [])];
  if (secrets.length) out.Secrets = secrets; else delete out.Secrets;
  if (configs.length) out.Configs = configs; else delete out.Configs;
  return out;
}
