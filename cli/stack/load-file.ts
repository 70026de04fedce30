import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { ComposeError } from "./objects.js";
import { errorAt, parseComposeYaml, type SourceFile } from "./yaml-source.js";
import { interpolate, InterpolationError, type Lookup } from "./interpolate.js";
import { validateCompose } from "./compose-schema.js";
import { normalizeService, ShapeError, toMapping, type Dict, type Env } from "./normalize.js";
import { parseEnvFile } from "./env-file.js";
import { mergeService, type Config } from "./merge.js";
import { resolveExternalName, TopLevelError } from "./convert-objects.js";

/*
 * One compose file read, interpolated, validated and brought to docker's typed form (per file, as
 * docker's loader does before merging): env_file and environment resolved, bind sources made
 * absolute, `extends:` (same file or `file:`) resolved. The only I/O is reading files.
 */

const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

/** docker's ForbiddenProperties (extends excepted: jetswarm resolves it). */
const FORBIDDEN: Record<string, string> = {
  volume_driver: "Instead of setting the volume driver on the service, define a volume using the top-level `volumes` option and specify the driver there.",
  volumes_from: "To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option.",
  cpu_quota: "Set resource limits using deploy.resources", cpu_shares: "Set resource limits using deploy.resources",
  cpuset: "Set resource limits using deploy.resources", mem_limit: "Set resource limits using deploy.resources",
  memswap_limit: "Set resource limits using deploy.resources",
};

export interface LoadedFile { source: SourceFile; config: Config; sources: SourceFile[] }

export interface FileContext {
  lookup: Lookup;
  /** Where relative paths (env_file, bind sources, secret files) are resolved: the first file's directory, as docker. */
  workingDir: string;
  /** Files already loaded by path (extends `file:` may name one twice). */
  cache: Map<string, LoadedFile>;
}

export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ComposeError(file, undefined, "", `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function loadFile(path: string, ctx: FileContext): LoadedFile {
  const abs = resolve(path);
  const cached = ctx.cache.get(abs);
  if (cached) return cached;
  const source = parseComposeYaml(path, readText(path, "compose file"));
  for (const [name, svc] of Object.entries(isDict(source.data.services) ? source.data.services : {})) {
    for (const key of Object.keys(isDict(svc) ? svc : {})) {
      if (FORBIDDEN[key]) throw errorAt([source], ["services", name, key], `unsupported option: ${FORBIDDEN[key]}`);
    }
  }
  let data: Dict;
  try {
    data = interpolate(source.data, ctx.lookup) as Dict;
  } catch (e) {
    if (e instanceof InterpolationError) throw errorAt([source], e.path, e.message);
    throw e;
  }
  validateCompose(source, withoutExtends(data, source));
  const loaded: LoadedFile = { source, config: toConfig(data, source, ctx), sources: [source] };
  ctx.cache.set(abs, loaded);
  resolveExtends(loaded, ctx);
  return loaded;
}

/** The document with each service's `extends` checked and removed: the 3.x schema does not know it. */
function withoutExtends(data: Dict, source: SourceFile): Dict {
  if (!isDict(data.services)) return data;
  const services: Dict = {};
  for (const [name, svc] of Object.entries(data.services)) {
    if (!isDict(svc) || svc.extends === undefined) { services[name] = svc; continue; }
    const ext = svc.extends;
    const ok = typeof ext === "string" || (isDict(ext) && typeof ext.service === "string"
      && (ext.file === undefined || typeof ext.file === "string") && Object.keys(ext).every((k) => k === "service" || k === "file"));
    if (!ok) throw errorAt([source], ["services", name, "extends"], "must be a service name or a mapping with service: and optional file:");
    const { extends: _omit, ...rest } = svc;
    services[name] = rest;
  }
  return { ...data, services };
}

function section(data: Dict, key: string): Record<string, Dict> {
  const v = data[key];
  if (!isDict(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, d]) => [k, isDict(d) ? d : {}]));
}

function toConfig(data: Dict, source: SourceFile, ctx: FileContext): Config {
  const services: Record<string, Dict> = {};
  for (const [name, raw] of Object.entries(section(data, "services"))) {
    try {
      services[name] = loadService(raw, ctx);
    } catch (e) {
      if (e instanceof ShapeError) throw errorAt([source], ["services", name, ...e.path], e.message);
      throw e;
    }
  }
  const top = (key: string): Record<string, Dict> => {
    try {
      return Object.fromEntries(Object.entries(section(data, key)).map(([n, d]) => [n, resolveExternalName(key, n, d)]));
    } catch (e) {
      if (e instanceof TopLevelError) throw errorAt([source], e.path, e.message);
      throw e;
    }
  };
  const secrets = top("secrets");
  const configs = top("configs");
  for (const objs of [secrets, configs]) {
    for (const d of Object.values(objs)) if (typeof d.file === "string" && !isAbsolute(d.file)) d.file = join(ctx.workingDir, d.file);
  }
  return { services, networks: top("networks"), volumes: top("volumes"), secrets, configs };
}

function loadService(raw: Dict, ctx: FileContext): Dict {
  const s = normalizeService(raw);
  const env: Env = {};
  const take = (vars: Env): void => {
    for (const [k, v] of Object.entries(vars)) {
      const fromEnv = ctx.lookup(k);
      env[k] = (v === null || v === "") && fromEnv !== undefined ? fromEnv : v;
    }
  };
  ((s.env_file as string[] | undefined) ?? []).forEach((f, i) => {
    const file = isAbsolute(f) ? f : join(ctx.workingDir, f);
    try {
      take(Object.fromEntries(parseEnvFile(readFileSync(file, "utf8"), ctx.lookup)));
    } catch (e) {
      throw new ShapeError(["env_file", i], `${file}: ${(e as Error).message}`);
    }
  });
  if (s.env_file !== undefined || s.environment !== undefined) {
    take(toMapping(s.environment ?? {}, "=", true));
    s.environment = env;
    delete s.env_file;
  }
  for (const v of (s.volumes as Dict[] | undefined) ?? []) {
    if (v.type !== "bind" || typeof v.source !== "string") continue;
    const home = ctx.lookup("HOME");
    const src = v.source.startsWith("~") && home !== undefined ? home + v.source.slice(1) : v.source;
    v.source = isAbsolute(src) ? src : join(ctx.workingDir, src);
  }
  return s;
}

/** Each service's `extends:` merged in: the base (resolved first) with the service laid over it. */
function resolveExtends(file: LoadedFile, ctx: FileContext): void {
  const rawServices = isDict(file.source.data.services) ? file.source.data.services : {};
  const done = new Set<string>();
  const visit = (name: string, chain: string[]): Dict => {
    const svc = file.config.services[name];
    if (!svc) throw errorAt([file.source], ["services", chain[chain.length - 1] ?? name, "extends"], `extends: no service ${JSON.stringify(name)} in ${file.source.file}`);
    const rawExt = (rawServices[name] as Dict | undefined)?.extends;
    if (rawExt === undefined || done.has(name)) return svc;
    if (chain.includes(name)) throw errorAt([file.source], ["services", name, "extends"], `circular extends: ${[...chain, name].join(" → ")}`);
    const ext = interpolate(rawExt, ctx.lookup) as string | Dict;
    const baseName = typeof ext === "string" ? ext : String(ext.service);
    let base: Dict;
    if (typeof ext !== "string" && typeof ext.file === "string") {
      const path = isAbsolute(ext.file) ? ext.file : join(dirname(file.source.file), ext.file);
      const other = loadFile(path, { ...ctx, workingDir: dirname(resolve(path)) });
      file.sources.push(...other.sources.filter((s) => !file.sources.includes(s)));
      base = other.config.services[baseName] ?? (() => { throw errorAt([file.source], ["services", name, "extends", "service"], `no service ${JSON.stringify(baseName)} in ${path}`); })();
    } else {
      base = visit(baseName, [...chain, name]);
    }
    const merged = mergeService(base, svc);
    file.config.services[name] = merged;
    done.add(name);
    return merged;
  };
  for (const name of Object.keys(file.config.services)) visit(name, []);
}
