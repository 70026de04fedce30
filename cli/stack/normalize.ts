import { splitShellWords } from "./shell-words.js";
import { parsePortSpec } from "./ports.js";
import { parseVolumeSpec } from "./volume-spec.js";
import type { KeyPath } from "./yaml-source.js";

/*
 * A service's keys brought to one form each, as docker's loader types them (cli/compose/loader's
 * transformers), so files can be merged key by key and converted without caring how the user
 * wrote them: mappings for environment/labels/sysctls/networks/ulimits, long syntax for ports,
 * volumes, secrets and configs, word lists for command/entrypoint/healthcheck test.
 */

export type Dict = Record<string, unknown>;
export type Env = Record<string, string | null>;

/** A normalisation failure at `path` (relative to the service), for the caller to place in the file. */
export class ShapeError extends Error {
  constructor(readonly path: KeyPath, message: string) {
    super(message);
    this.name = "ShapeError";
  }
}

const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

/** docker's transformMappingOrList: a mapping, or `KEY=VALUE` items; `allowNil` keeps a bare `KEY` as null. */
export function toMapping(value: unknown, sep: string, allowNil: boolean): Env {
  const out: Env = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      const s = str(item);
      const i = s.indexOf(sep);
      if (i < 0) out[s] = allowNil ? null : "";
      else out[s.slice(0, i)] = s.slice(i + sep.length);
    }
  } else if (isDict(value)) {
    for (const [k, v] of Object.entries(value)) out[k] = v === null ? (allowNil ? null : "") : str(v);
  }
  return out;
}

function stringMap(value: unknown): Record<string, string> {
  const m = toMapping(value, "=", false);
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v ?? ""]));
}

function words(value: unknown, path: KeyPath): string[] {
  if (Array.isArray(value)) return value.map(str);
  try {
    return splitShellWords(str(value));
  } catch (e) {
    throw new ShapeError(path, (e as Error).message);
  }
}

const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : v === undefined || v === null ? [] : [str(v)]);

/** `host:ip` items (docker's transformHostsList: a mapping, or `host:ip` / `host=ip` items). */
function hostsList(value: unknown): string[] {
  const items = isDict(value)
    ? Object.entries(value).map(([k, v]) => `${k}:${str(v)}`).sort()
    : stringList(value).map((s) => {
      const i = s.search(/[=:]/);
      return i < 0 ? s : `${s.slice(0, i)}:${s.slice(i + 1)}`;
    });
  return items.map((hip) => {
    const i = hip.indexOf(":");
    let ip = hip.slice(i + 1);
    if (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
    return `${hip.slice(0, i)}:${ip}`;
  });
}

function ports(value: unknown): Dict[] {
  const out: Dict[] = [];
  (Array.isArray(value) ? value : []).forEach((entry, i) => {
    if (isDict(entry)) {
      out.push({ ...entry });
      return;
    }
    try {
      for (const p of parsePortSpec(str(entry)).ports) {
        out.push({ target: p.TargetPort, published: p.PublishedPort, protocol: p.Protocol, mode: p.PublishMode });
      }
    } catch (e) {
      throw new ShapeError(["ports", i], (e as Error).message);
    }
  });
  return out;
}

function volumes(value: unknown): Dict[] {
  return (Array.isArray(value) ? value : []).map((entry, i) => {
    if (isDict(entry)) return { ...entry };
    try {
      return parseVolumeSpec(str(entry));
    } catch (e) {
      throw new ShapeError(["volumes", i], (e as Error).message);
    }
  });
}

const fileRefs = (value: unknown): Dict[] => (Array.isArray(value) ? value : []).map((e) => (isDict(e) ? { ...e } : { source: str(e) }));

function networks(value: unknown): Record<string, Dict | null> {
  if (Array.isArray(value)) return Object.fromEntries(value.map((n) => [str(n), null]));
  if (!isDict(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isDict(v) ? { ...v } : null]));
}

function ulimits(value: unknown): Record<string, { soft: number; hard: number }> {
  const out: Record<string, { soft: number; hard: number }> = {};
  for (const [name, v] of Object.entries(isDict(value) ? value : {})) {
    out[name] = isDict(v) ? { soft: Number(v.soft), hard: Number(v.hard) } : { soft: Number(v), hard: Number(v) };
  }
  return out;
}

function healthcheck(value: unknown): Dict | undefined {
  if (!isDict(value)) return undefined;
  const out: Dict = { ...value };
  if (typeof value.test === "string") out.test = ["CMD-SHELL", value.test];
  else if (Array.isArray(value.test)) out.test = value.test.map(str);
  return out;
}

function deploy(value: unknown): Dict | undefined {
  if (!isDict(value)) return undefined;
  const out: Dict = { ...value };
  if (value.labels !== undefined) out.labels = stringMap(value.labels);
  return out;
}

/** The service in its one form; `environment` still unresolved (see resolveEnvironment). */
export function normalizeService(raw: Dict): Dict {
  const s: Dict = { ...raw };
  const set = (key: string, f: (v: unknown) => unknown): void => {
    if (raw[key] !== undefined) s[key] = f(raw[key]);
  };
  set("environment", (v) => toMapping(v, "=", true));
  set("labels", stringMap);
  set("sysctls", stringMap);
  set("command", (v) => words(v, ["command"]));
  set("entrypoint", (v) => words(v, ["entrypoint"]));
  set("extra_hosts", hostsList);
  for (const key of ["dns", "dns_search", "env_file", "tmpfs", "cap_add", "cap_drop", "security_opt", "devices", "expose"]) set(key, stringList);
  set("ports", ports);
  set("volumes", volumes);
  set("secrets", fileRefs);
  set("configs", fileRefs);
  set("networks", networks);
  set("ulimits", ulimits);
  set("healthcheck", healthcheck);
  set("deploy", deploy);
  if (isDict(raw.logging) && raw.logging.options !== undefined) s.logging = { ...raw.logging, options: stringMap(raw.logging.options) };
  return s;
}
