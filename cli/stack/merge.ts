import type { Dict } from "./normalize.js";

/*
 * docker's override rules (cli/compose/loader/merge.go, mergo with override and append-slice) over
 * normalised services: scalars are replaced, mappings merged key by key, lists appended, except
 * ports (keyed by published port), volumes (by target), secrets and configs (by source), which
 * are merged by key and sorted; command/entrypoint are replaced; logging keeps the options when the
 * driver stays. Top-level networks/volumes/secrets/configs are replaced per name.
 */

const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

type KeyFn = (d: Dict) => string | number;
const KEYED: Record<string, { key: KeyFn; sort: (a: Dict, b: Dict) => number }> = {
  ports: { key: (p) => Number(p.published ?? 0), sort: (a, b) => Number(a.published ?? 0) - Number(b.published ?? 0) },
  volumes: { key: (v) => String(v.target), sort: (a, b) => cmp(String(a.target), String(b.target)) },
  secrets: { key: (v) => String(v.source), sort: (a, b) => cmp(String(a.source), String(b.source)) },
  configs: { key: (v) => String(v.source), sort: (a, b) => cmp(String(a.source), String(b.source)) },
};
const REPLACED = new Set(["command", "entrypoint"]);

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function mergeKeyed(base: Dict[], over: Dict[], rule: { key: KeyFn; sort: (a: Dict, b: Dict) => number }): Dict[] {
  const m = new Map<string | number, Dict>();
  for (const d of base) m.set(rule.key(d), d);
  for (const d of over) m.set(rule.key(d), d);
  return [...m.values()].sort(rule.sort);
}

function mergeLogging(base: unknown, over: unknown): unknown {
  if (!isDict(base) || !isDict(over)) return over ?? base;
  const bd = base.driver as string | undefined;
  const od = over.driver as string | undefined;
  if (bd === od || !bd || !od) {
    return { ...base, driver: bd || od, options: { ...(base.options as Dict | undefined), ...(over.options as Dict | undefined) } };
  }
  return over;
}

/** Deep merge of two values at a key: `over` wins for scalars; `top` marks a service's own keys. */
function mergeValue(key: string, base: unknown, over: unknown, top: boolean): unknown {
  if (over === undefined) return base;
  if (base === undefined) return over;
  if (top && key === "logging") return mergeLogging(base, over);
  if (top && REPLACED.has(key)) return Array.isArray(over) && over.length === 0 ? base : over;
  const keyed = top ? KEYED[key] : undefined;
  if (keyed && Array.isArray(base) && Array.isArray(over)) return mergeKeyed(base as Dict[], over as Dict[], keyed);
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  if (isDict(base) && isDict(over)) return mergeDicts(base, over, false);
  return over;
}

function mergeDicts(base: Dict, over: Dict, top: boolean): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeValue(k, base[k], v, top);
  return out;
}

/** `over` (a later file's service, or the extending service) laid over `base`. */
export function mergeService(base: Dict, over: Dict): Dict {
  return mergeDicts(base, over, true);
}

export interface Config {
  services: Record<string, Dict>;
  networks: Record<string, Dict>;
  volumes: Record<string, Dict>;
  secrets: Record<string, Dict>;
  configs: Record<string, Dict>;
}

/** The configurations of several files, in order, as one. */
export function mergeConfigs(configs: Config[]): Config {
  const [first, ...rest] = configs;
  const out: Config = first ?? { services: {}, networks: {}, volumes: {}, secrets: {}, configs: {} };
  for (const c of rest) {
    for (const [name, svc] of Object.entries(c.services)) {
      const base = out.services[name];
      out.services[name] = base ? mergeService(base, svc) : svc;
    }
    out.networks = { ...out.networks, ...c.networks };
    out.volumes = { ...out.volumes, ...c.volumes };
    out.secrets = { ...out.secrets, ...c.secrets };
    out.configs = { ...out.configs, ...c.configs };
  }
  return out;
}
