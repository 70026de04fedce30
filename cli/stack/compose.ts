import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ComposeError, type LoadOptions, type StackObjects } from "./objects.js";
import { errorAt, type SourceFile } from "./yaml-source.js";
import { loadFile, type FileContext } from "./load-file.js";
import { mergeConfigs, type Config } from "./merge.js";
import { ShapeError, type Dict } from "./normalize.js";
import { convertService } from "./convert-service.js";
import { convertFileObjects, convertNetworks, TopLevelError } from "./convert-objects.js";
import { parseDotEnv } from "./env-file.js";

/*
 * `loadStack`: compose files → the objects `stack deploy` creates, as docker CLI 28's `stack
 * deploy` builds them (cli/command/stack/loader.go, cli/compose/convert). Reading files is its
 * only I/O. Keys docker itself ignores come back as warnings with docker's wording.
 */

/** docker's UnsupportedProperties and DeprecatedProperties, plus keys its converter skips without a word. */
const IGNORED = ["build", "cgroupns_mode", "cgroup_parent", "devices", "domainname", "external_links", "ipc", "links",
  "mac_address", "network_mode", "pid", "privileged", "restart", "security_opt", "shm_size", "userns_mode"];
const DEPRECATED: Record<string, string> = {
  container_name: "Setting the container name is not supported.",
  expose: "Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
};
const SKIPPED: Record<string, string> = {
  depends_on: "services start together in a stack (docker stack deploy ignores depends_on)",
  tmpfs: "docker stack deploy ignores the service-level tmpfs key: use a volume with type: tmpfs",
};

export async function loadStack(opts: LoadOptions): Promise<StackObjects & { warnings: string[] }> {
  await Promise.resolve();
  if (opts.files.length === 0) throw new ComposeError("", undefined, "", "specify a Compose file (with --compose-file)");
  const workingDir = dirname(resolve(opts.files[0] ?? "."));
  const env = { ...dotEnv(workingDir), ...definedOnly(opts.env) };
  const ctx: FileContext = { lookup: (k) => env[k], workingDir, cache: new Map() };
  const loaded = opts.files.map((f) => loadFile(f, ctx));
  const sources = loaded.flatMap((l) => l.sources);
  const config = mergeConfigs(loaded.map((l) => structuredClone(l.config)));
  return { ...convert(opts.namespace, config, sources), warnings: warnings(sources) };
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The `.env` beside the first file, as docker compose reads it (the environment wins). */
function dotEnv(dir: string): Record<string, string> {
  const path = join(dir, ".env");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return {};
  }
  return parseDotEnv(text);
}

function convert(namespace: string, config: Config, sources: SourceFile[]): StackObjects {
  const stack = { namespace, networks: config.networks, volumes: config.volumes, secrets: config.secrets, configs: config.configs };
  const used = new Set<string>();
  const services = Object.keys(config.services).sort().map((name) => {
    const svc = config.services[name] ?? {};
    const nets = svc.networks as Record<string, unknown> | undefined;
    for (const n of nets && Object.keys(nets).length ? Object.keys(nets) : ["default"]) used.add(n);
    try {
      return { name: `${namespace}_${name}`, spec: convertService(name, svc, stack) };
    } catch (e) {
      if (e instanceof ShapeError) throw errorAt(sources, ["services", name, ...e.path], e.message);
      throw e;
    }
  });
  const read = (section: string) => (file: string, key: string): string => {
    try {
      return readFileSync(file).toString("base64");
    } catch (e) {
      throw errorAt(sources, [section, key, "file"], `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  try {
    return {
      namespace,
      services,
      networks: convertNetworks(namespace, config.networks, used),
      secrets: convertFileObjects("secrets", namespace, config.secrets, read("secrets")),
      configs: convertFileObjects("configs", namespace, config.configs, read("configs")),
    };
  } catch (e) {
    if (e instanceof TopLevelError) throw errorAt(sources, e.path, e.message);
    throw e;
  }
}

function warnings(sources: SourceFile[]): string[] {
  const present = (keys: string[]): string[] => keys.filter((k) => sources.some((s) => servicesOf(s).some((svc) => svc[k] !== undefined)));
  const out: string[] = [];
  const ignored = present(IGNORED).sort();
  if (ignored.length) out.push(`Ignoring unsupported options: ${ignored.join(", ")}`);
  for (const k of present(Object.keys(DEPRECATED)).sort()) out.push(`Ignoring deprecated options: ${k}: ${DEPRECATED[k] ?? ""}`);
  for (const k of present(Object.keys(SKIPPED)).sort()) out.push(`Ignoring ${k}: ${SKIPPED[k] ?? ""}`);
  return out;
}

function servicesOf(s: SourceFile): Dict[] {
  const services = s.data.services;
  if (services === null || typeof services !== "object") return [];
  return Object.values(services as Record<string, unknown>).filter((v): v is Dict => v !== null && typeof v === "object");
}
