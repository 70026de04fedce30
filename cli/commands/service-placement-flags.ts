import type { Command } from "commander";
import type { Placement, PortConfig, Resources, ServiceSpec } from "../../schemas/index.js";
import { desiredReplicas } from "../../schemas/specs.js";
import { collect } from "./common.js";
import { decimal } from "./decimal.js";

/*
 * Scheduling flags of `service create` / `service update`: placement (constraints, preferences,
 * strategy, max replicas per node), resources and published ports, parsed in docker's words and
 * applied to a sparse spec (only what the user set is stored).
 */

export interface PlacementFlags {
  constraint?: string[];
  constraintAdd?: string[];
  constraintRm?: string[];
  placementPref?: string[];
  placementPrefAdd?: string[];
  placementPrefRm?: string[];
  placementStrategy?: string;
  replicasMaxPerNode?: string;
  reserveCpu?: string;
  reserveMemory?: string;
  limitCpu?: string;
  limitMemory?: string;
  limitPids?: string;
  publish?: string[];
  publishAdd?: string[];
  publishRm?: string[];
}

const badFlag = (v: string, flag: string, why: string) => new Error(`invalid argument "${v}" for "${flag}" flag: ${why}`);

/** `0.5` → 500000000 NanoCPUs (docker's NanoCPUs option). */
export function parseCpus(flag: string, v: string): number {
  if (!/^\d+(\.\d+)?$/.test(v.trim())) throw badFlag(v, flag, `failed to parse ${v} as a rational number`);
  return Math.round(Number(v) * 1e9);
}

const SIZE_RE = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const UNIT: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** Docker's RAMInBytes: `64MiB`, `64m`, `1.5g`, `512b`, `512` — units are binary. */
export function parseMemory(flag: string, v: string): number {
  const m = SIZE_RE.exec(v.trim());
  if (!m) throw badFlag(v, flag, `invalid size: '${v}'`);
  return Math.round(Number(m[1]) * (m[2] ? UNIT[m[2].toLowerCase()]! : 1));
}

function parseUintFlag(flag: string, v: string): number {
  const n = decimal(v);
  if (n === undefined) throw badFlag(v, flag, "expected a non-negative integer");
  return n;
}

const PUBLISH_KEYS = ["published", "target", "mode", "protocol"] as const;

function portNumber(spec: string, what: string, v: string): number {
  const n = decimal(v) ?? NaN;
  if (!(n >= 1 && n <= 65535)) throw new Error(`invalid publish spec "${spec}": ${what} port must be 1-65535`);
  return n;
}

function protocolOf(spec: string, v: string | undefined): PortConfig["Protocol"] {
  if (v === undefined) return undefined;
  if (v !== "tcp" && v !== "udp" && v !== "sctp") throw new Error(`invalid publish spec "${spec}": protocol must be tcp, udp or sctp`);
  return v;
}

/** `published=8080,target=80[,mode=host][,protocol=udp]` (mode ingress unless set) or docker's short `8080:80[/udp]` (ingress mode). */
export function parsePublish(spec: string): PortConfig {
  if (spec.includes("=")) {
    const f: Record<string, string> = {};
    for (const part of spec.split(",")) {
      const i = part.indexOf("=");
      if (i < 0) throw new Error(`invalid field ${part} must be a key=value pair`);
      const key = part.slice(0, i).trim().toLowerCase();
      if (!(PUBLISH_KEYS as readonly string[]).includes(key)) throw new Error(`invalid field key ${key}`);
      f[key] = part.slice(i + 1).trim();
    }
    if (f.target === undefined) throw new Error(`missing mandatory field "target"`);
    if (f.mode !== undefined && f.mode !== "host" && f.mode !== "ingress") throw new Error(`invalid publish mode value (${f.mode}): must be either "ingress" or "host"`);
    const port: PortConfig = { TargetPort: portNumber(spec, "target", f.target), PublishMode: (f.mode ?? "ingress") as PortConfig["PublishMode"] };
    if (f.published !== undefined) port.PublishedPort = portNumber(spec, "published", f.published);
    const protocol = protocolOf(spec, f.protocol);
    if (protocol) port.Protocol = protocol;
    return port;
  }
  const m = /^(?:(\d+):)?(\d+)(?:\/(\w+))?$/.exec(spec.trim());
  if (!m) throw new Error(`invalid publish spec "${spec}": expected published=P,target=T[,mode=ingress|host][,protocol=udp] or P:T[/protocol]`);
  const port: PortConfig = { TargetPort: portNumber(spec, "target", m[2]!), PublishMode: "ingress" };
  if (m[1] !== undefined) port.PublishedPort = portNumber(spec, "published", m[1]);
  const protocol = protocolOf(spec, m[3]);
  if (protocol) port.Protocol = protocol;
  return port;
}

/** `spread=node.labels.zone` → a Spread preference. */
export function parsePlacementPref(v: string): { Spread: { SpreadDescriptor: string } } {
  const i = v.indexOf("=");
  if (i < 0) throw new Error(`invalid placement preference "${v}": expected spread=<descriptor>`);
  const strategy = v.slice(0, i).trim().toLowerCase();
  if (strategy !== "spread") throw new Error(`unsupported placement preference ${strategy} (only spread is supported)`);
  const descriptor = v.slice(i + 1).trim();
  if (!descriptor) throw new Error(`invalid placement preference "${v}": expected spread=<descriptor>`);
  return { Spread: { SpreadDescriptor: descriptor } };
}

/** `--publish-rm 80`, `80/udp`, or a whole publish spec: removes the ports with that target (and protocol). */
function portMatcher(v: string): (p: PortConfig) => boolean {
  const short = /^(\d+)(?:\/(\w+))?$/.exec(v.trim());
  const target = short ? { TargetPort: Number(short[1]), Protocol: protocolOf(v, short[2]) } : parsePublish(v);
  return (p) => p.TargetPort === target.TargetPort && (p.Protocol ?? "tcp") === (target.Protocol ?? "tcp");
}

/** Removes then adds, keeping order and never duplicating (docker's update semantics). */
function edit<T>(current: T[] | undefined, set: T[] | undefined, add: T[], rm: (t: T) => boolean, key: (t: T) => string): T[] | undefined {
  let out = set ?? current ?? [];
  out = out.filter((t) => !rm(t));
  for (const t of add) if (!out.some((o) => key(o) === key(t))) out = [...out, t];
  return out.length ? out : undefined;
}

function placementOf(spec: ServiceSpec, f: PlacementFlags): Placement | undefined {
  const p: Placement = { ...spec.TaskTemplate.Placement };
  const rmC = new Set(f.constraintRm ?? []);
  p.Constraints = edit(p.Constraints, f.constraint?.length ? f.constraint : undefined, f.constraintAdd ?? [], (c) => rmC.has(c), (c) => c);
  const rmP = new Set((f.placementPrefRm ?? []).map((v) => parsePlacementPref(v).Spread.SpreadDescriptor));
  const prefs = f.placementPref?.length ? f.placementPref.map(parsePlacementPref) : undefined;
  p.Preferences = edit(p.Preferences, prefs, (f.placementPrefAdd ?? []).map(parsePlacementPref),
    (x) => rmP.has(x.Spread.SpreadDescriptor), (x) => x.Spread.SpreadDescriptor);
  if (f.placementStrategy !== undefined) {
    const s = f.placementStrategy;
    if (s !== "spread" && s !== "binpack" && s !== "random") throw badFlag(s, "--placement-strategy", "expected spread, binpack or random");
    p.Strategy = s;
  }
  if (f.replicasMaxPerNode !== undefined) p.MaxReplicas = parseUintFlag("--replicas-max-per-node", f.replicasMaxPerNode) || undefined;
  return sparse(p);
}

function resourcesOf(spec: ServiceSpec, f: PlacementFlags): Resources | undefined {
  const r = spec.TaskTemplate.Resources ?? {};
  const limits = { ...r.Limits };
  const reservations = { ...r.Reservations };
  if (f.limitCpu !== undefined) limits.NanoCPUs = parseCpus("--limit-cpu", f.limitCpu) || undefined;
  if (f.limitMemory !== undefined) limits.MemoryBytes = parseMemory("--limit-memory", f.limitMemory) || undefined;
  if (f.limitPids !== undefined) limits.Pids = parseUintFlag("--limit-pids", f.limitPids) || undefined;
  if (f.reserveCpu !== undefined) reservations.NanoCPUs = parseCpus("--reserve-cpu", f.reserveCpu) || undefined;
  if (f.reserveMemory !== undefined) reservations.MemoryBytes = parseMemory("--reserve-memory", f.reserveMemory) || undefined;
  return sparse({ Limits: sparse(limits), Reservations: sparse(reservations) });
}

function portsOf(spec: ServiceSpec, f: PlacementFlags): PortConfig[] | undefined {
  const set = f.publish?.length ? f.publish.map(parsePublish) : undefined;
  const add = (f.publishAdd ?? []).map(parsePublish);
  const rms = (f.publishRm ?? []).map(portMatcher);
  const key = (p: PortConfig) => `${p.PublishedPort ?? `t${p.TargetPort}`}/${p.Protocol ?? "tcp"}`;
  return edit(spec.EndpointSpec?.Ports, set, add, (p) => rms.some((m) => m(p)), key);
}

/** Drops undefined and empty-object members; undefined when nothing is left (sparse specs). */
function sparse<T extends object>(o: T): T | undefined {
  const out = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0)));
  return Object.keys(out).length ? (out as T) : undefined;
}

/** The spec with the scheduling flags applied (create: on the fresh spec; update: on the current one). */
export function applyPlacementFlags(spec: ServiceSpec, f: PlacementFlags): ServiceSpec {
  const { Placement: _p, Resources: _r, ...task } = spec.TaskTemplate;
  const placement = placementOf(spec, f);
  const resources = resourcesOf(spec, f);
  const out: ServiceSpec = { ...spec, TaskTemplate: { ...task, ...(resources ? { Resources: resources } : {}), ...(placement ? { Placement: placement } : {}) } };
  const ports = portsOf(spec, f);
  const { Ports: _ports, ...endpoint } = spec.EndpointSpec ?? {};
  const ep = sparse({ ...endpoint, ...(ports ? { Ports: ports } : {}) });
  if (ep) out.EndpointSpec = ep;
  else delete out.EndpointSpec;
  return out;
}

/** `service ls` REPLICAS suffix: ` (max 2 per node)` when a replicated service sets MaxReplicas. */
export function maxPerNodeSuffix(spec: ServiceSpec): string {
  const max = spec.TaskTemplate.Placement?.MaxReplicas;
  return max && desiredReplicas(spec) !== undefined ? ` (max ${max} per node)` : "";
}

/** Declares the scheduling flags on `service create` (`kind` create) or `service update`. */
export function addPlacementOptions(cmd: Command, kind: "create" | "update"): Command {
  if (kind === "create") {
    cmd.option("--constraint <expr>", "placement constraint, e.g. node.labels.zone==a (repeatable)", collect, [])
      .option("--placement-pref <pref>", "placement preference, e.g. spread=node.labels.zone (repeatable)", collect, [])
      .option("-p, --publish <spec>", "publish a port: published=8080,target=80[,mode=ingress|host][,protocol=udp] or 8080:80[/udp] (ingress: the routing mesh; repeatable)", collect, []);
  } else {
    cmd.option("--constraint-add <expr>", "add or update a placement constraint (repeatable)", collect, [])
      .option("--constraint-rm <expr>", "remove a placement constraint (repeatable)", collect, [])
      .option("--placement-pref-add <pref>", "add a placement preference (repeatable)", collect, [])
      .option("--placement-pref-rm <pref>", "remove a placement preference (repeatable)", collect, [])
      .option("--publish-add <spec>", "add or update a published port (repeatable)", collect, [])
      .option("--publish-rm <target>", "remove a published port by its target port (repeatable)", collect, []);
  }
  return cmd.option("--placement-strategy <s>", "jetswarm: spread (default), binpack or random")
    .option("--replicas-max-per-node <n>", "maximum number of tasks per node (0 = unlimited)")
    .option("--reserve-cpu <cpus>", "reserve CPUs, e.g. 0.5")
    .option("--reserve-memory <bytes>", "reserve memory, e.g. 64MiB")
    .option("--limit-cpu <cpus>", "limit CPUs")
    .option("--limit-memory <bytes>", "limit memory")
    .option("--limit-pids <n>", "limit the number of processes (0 = unlimited)");
}
