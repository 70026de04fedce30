import type { ContainerSpec, DNSConfig, LogDriver, ServiceSpec, Ulimit } from "../../schemas/index.js";
import type { Command } from "commander";
import { updateMounts } from "./service-mount-flags.js";
import { collect } from "./common.js";
import { splitArgs } from "./service-update-flags.js";

/*
 * docker's container options of `service create` / `service update` (pure): --mount, --read-only,
 * --init, --tty, --hostname, --user, --group, --workdir, --entrypoint, --host, --dns*, --cap-*,
 * --sysctl, --ulimit, --log-*, --oom-score-adj. Create sets them; update edits the current spec.
 * Flags jetswarm cannot honour yet are refused here, naming why (see service-flag-table.ts).
 */

export interface ContainerFlags {
  mount?: string[]; mountAdd?: string[]; mountRm?: string[];
  readOnly?: boolean; init?: boolean; tty?: boolean;
  hostname?: string; user?: string; workdir?: string; entrypoint?: string;
  group?: string[]; groupAdd?: string[]; groupRm?: string[];
  host?: string[]; hostAdd?: string[]; hostRm?: string[];
  dns?: string[]; dnsAdd?: string[]; dnsRm?: string[];
  dnsOption?: string[]; dnsOptionAdd?: string[]; dnsOptionRm?: string[];
  dnsSearch?: string[]; dnsSearchAdd?: string[]; dnsSearchRm?: string[];
  capAdd?: string[]; capDrop?: string[];
  sysctl?: string[]; sysctlAdd?: string[]; sysctlRm?: string[];
  ulimit?: string[]; ulimitAdd?: string[]; ulimitRm?: string[];
  logDriver?: string; logOpt?: string[];
  oomScoreAdj?: string;
  genericResource?: string[]; genericResourceAdd?: string[]; genericResourceRm?: string[];
  isolation?: string; credentialSpec?: string; withRegistryAuth?: boolean;
  /** `--no-resolve-image` (commander: resolveImage false). */
  resolveImage?: boolean;
}

/** Refused flags and why; each named in the table as "refused". */
export const REFUSED: Record<string, string> = {
  "--with-registry-auth": "not yet supported: registry credentials would have to travel to the node through the secret store, which does not carry them yet",
  "--credential-spec": "Windows only: jetswarm runs Linux containers",
  "--isolation": "Windows only (process/hyperv): Linux containers have only the default isolation",
  "--generic-resource": "not yet supported: the scheduler does not track generic (user-defined) node resources",
  "--generic-resource-add": "not yet supported: the scheduler does not track generic (user-defined) node resources",
  "--generic-resource-rm": "not yet supported: the scheduler does not track generic (user-defined) node resources",
};

function refuse(f: ContainerFlags): void {
  const given: [string, boolean][] = [
    ["--with-registry-auth", f.withRegistryAuth === true],
    ["--credential-spec", f.credentialSpec !== undefined],
    ["--isolation", f.isolation !== undefined && f.isolation !== "default"],
    ["--generic-resource", (f.genericResource ?? []).length > 0],
    ["--generic-resource-add", (f.genericResourceAdd ?? []).length > 0],
    ["--generic-resource-rm", (f.genericResourceRm ?? []).length > 0],
  ];
  for (const [flag, set] of given) if (set) throw new Error(`${flag}: ${REFUSED[flag]}`);
}

/** `nofile=1024:2048` or `nofile=1024` (soft = hard) → Docker's Ulimit. */
export function parseUlimit(v: string): Ulimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v.trim());
  if (!m) throw new Error(`invalid argument "${v}" for "--ulimit" flag: expected NAME=SOFT[:HARD]`);
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (soft > hard && hard !== -1) throw new Error(`invalid argument "${v}" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: m[1]!, Soft: soft, Hard: hard };
}

/** docker's `host:ip` (or `host=ip`) → Swarm's `ip host` line. */
export function parseHost(v: string): string {
  const i = v.search(/[:=]/);
  const host = i < 0 ? "" : v.slice(0, i).trim();
  const ip = i < 0 ? "" : v.slice(i + 1).trim();
  if (!host || !ip || /\s/.test(host)) throw new Error(`bad format for add-host: "${v}" (expected host:ip)`);
  return `${ip} ${host}`;
}

function kvMap(flag: string, items: readonly string[], base?: Record<string, string>): Record<string, string> | undefined {
  const out = { ...base };
  for (const item of items) {
    const i = item.indexOf("=");
    if (i <= 0) throw new Error(`invalid argument "${item}" for "${flag}" flag: expected KEY=VALUE`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return Object.keys(out).length ? out : undefined;
}

/** `--oom-score-adj`: an integer in -1000..1000 (docker's range). */
export function parseOomScoreAdj(v: string): number {
  const n = /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!(n >= -1000 && n <= 1000)) throw new Error(`invalid argument "${v}" for "--oom-score-adj" flag: expected an integer from -1000 to 1000`);
  return n;
}

/** Lines of an `--env-file`: `KEY=VALUE` or `KEY` (taken from `env`), `#` comments and blank lines skipped. */
export function parseEnvFile(text: string, env: Record<string, string | undefined> = {}): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimStart();
    if (!line || line.startsWith("#")) continue;
    const key = line.split("=", 1)[0]!;
    if (/\s/.test(key)) throw new Error(`variable '${key}' contains whitespaces`);
    if (line.includes("=")) out.push(line);
    else if (env[key] !== undefined) out.push(`${key}=${env[key]}`);
  }
  return out;
}

const nonEmpty = <T>(a: T[] | undefined): T[] | undefined => (a?.length ? a : undefined);
/** A list with `add` appended (no duplicates) and `rm` removed. */
function edit(list: string[] | undefined, add: readonly string[] = [], rm: readonly string[] = [], keyOf = (s: string) => s): string[] | undefined {
  const drop = new Set([...rm.map(keyOf), ...add.map(keyOf)]);
  return nonEmpty([...(list ?? []).filter((x) => !drop.has(keyOf(x))), ...add]);
}

function setOrDelete<K extends keyof ContainerSpec>(c: ContainerSpec, key: K, v: ContainerSpec[K] | undefined): void {
  if (v === undefined) delete c[key];
  else c[key] = v;
}

function dnsConfig(cur: DNSConfig | undefined, f: ContainerFlags): DNSConfig | undefined {
  const out: DNSConfig = {};
  const ns = edit(cur?.Nameservers, [...(f.dns ?? []), ...(f.dnsAdd ?? [])], f.dnsRm);
  const search = edit(cur?.Search, [...(f.dnsSearch ?? []), ...(f.dnsSearchAdd ?? [])], f.dnsSearchRm);
  const opts = edit(cur?.Options, [...(f.dnsOption ?? []), ...(f.dnsOptionAdd ?? [])], f.dnsOptionRm);
  if (ns) out.Nameservers = ns;
  if (search) out.Search = search;
  if (opts) out.Options = opts;
  return Object.keys(out).length ? out : undefined;
}

function logDriver(cur: LogDriver | undefined, f: ContainerFlags): LogDriver | undefined {
  if (f.logDriver === undefined && !(f.logOpt ?? []).length) return cur;
  const name = f.logDriver ?? cur?.Name;
  if (!name) throw new Error("--log-opt requires --log-driver");
  const options = kvMap("--log-opt", f.logOpt ?? [], f.logDriver === undefined || f.logDriver === cur?.Name ? cur?.Options : undefined);
  return options ? { Name: name, Options: options } : { Name: name };
}

function scalars(c: ContainerSpec, f: ContainerFlags): void {
  if (f.readOnly !== undefined) setOrDelete(c, "ReadOnly", f.readOnly || undefined);
  if (f.init !== undefined) setOrDelete(c, "Init", f.init || undefined);
  if (f.tty !== undefined) setOrDelete(c, "TTY", f.tty || undefined);
  if (f.hostname !== undefined) setOrDelete(c, "Hostname", f.hostname || undefined);
  if (f.user !== undefined) setOrDelete(c, "User", f.user || undefined);
  if (f.workdir !== undefined) setOrDelete(c, "Dir", f.workdir || undefined);
  if (f.entrypoint !== undefined) setOrDelete(c, "Command", nonEmpty(splitArgs(f.entrypoint)));
  if (f.oomScoreAdj !== undefined) setOrDelete(c, "OomScoreAdj", parseOomScoreAdj(f.oomScoreAdj) || undefined);
}

/** Applies the container flags (create's and update's) to `spec`; returns a new spec. */
export function applyContainerFlags(spec: ServiceSpec, f: ContainerFlags): ServiceSpec {
  refuse(f);
  const out = structuredClone(spec);
  const c = out.TaskTemplate.ContainerSpec;
  scalars(c, f);
  const mounts = updateMounts(c.Mounts, [...(f.mount ?? []), ...(f.mountAdd ?? [])], f.mountRm ?? []);
  setOrDelete(c, "Mounts", mounts);
  setOrDelete(c, "Groups", edit(c.Groups, [...(f.group ?? []), ...(f.groupAdd ?? [])], f.groupRm));
  const hostKey = (line: string) => line.split(/\s+/).slice(1).join(" ");
  // `--host-rm` takes `host` or `host:ip`; both match the line by its host names.
  const hostsRm = (f.hostRm ?? []).map((h) => (/[:=]/.test(h) ? hostKey(parseHost(h)) : h));
  setOrDelete(c, "Hosts", edit(c.Hosts, [...(f.host ?? []), ...(f.hostAdd ?? [])].map(parseHost), hostsRm.map((h) => `x ${h}`), hostKey));
  setOrDelete(c, "DNSConfig", dnsConfig(c.DNSConfig, f));
  // docker: a capability added is no longer dropped, and the reverse.
  const add = f.capAdd ?? [];
  const drop = f.capDrop ?? [];
  setOrDelete(c, "CapabilityAdd", edit(c.CapabilityAdd, add, drop));
  setOrDelete(c, "CapabilityDrop", edit(c.CapabilityDrop, drop, add));
  const sysctls = kvMap("--sysctl", [...(f.sysctl ?? []), ...(f.sysctlAdd ?? [])], c.Sysctls);
  for (const k of f.sysctlRm ?? []) delete sysctls?.[k];
  setOrDelete(c, "Sysctls", sysctls && Object.keys(sysctls).length ? sysctls : undefined);
  const ulimits = [...(f.ulimit ?? []), ...(f.ulimitAdd ?? [])].map(parseUlimit);
  const ulimitDrop = new Set([...(f.ulimitRm ?? []), ...ulimits.map((u) => u.Name)]);
  setOrDelete(c, "Ulimits", nonEmpty([...(c.Ulimits ?? []).filter((u) => !ulimitDrop.has(u.Name)), ...ulimits]));
  const log = logDriver(out.TaskTemplate.LogDriver, f);
  if (log) out.TaskTemplate.LogDriver = log;
  return out;
}

const list = (flag: string, what: string): [string, string] => [flag, `${what} (repeatable)`];

/** Registers the container flags of `service create` or `service update` (docker 28's names). */
export function addContainerOptions(cmd: Command, kind: "create" | "update"): Command {
  const lists: [string, string][] = kind === "create"
    ? [list("--mount <mount>", "attach a filesystem mount: type=volume|bind|tmpfs,source=,target=,readonly,…"),
      list("--group <group>", "supplementary user group"), list("--host <host:ip>", "custom host-to-IP mapping"),
      list("--dns <ip>", "custom DNS server"), list("--dns-option <opt>", "DNS option"), list("--dns-search <domain>", "DNS search domain"),
      list("--sysctl <k=v>", "sysctl option"), list("--ulimit <name=soft[:hard]>", "ulimit option"),
      list("--env-file <file>", "read environment variables from a file"), list("--generic-resource <res>", "user defined resource (not yet supported)")]
    : [list("--mount-add <mount>", "add or update a mount (as create's --mount)"), list("--mount-rm <target>", "remove a mount by its target path"),
      list("--group-add <group>", "add a supplementary group"), list("--group-rm <group>", "remove a supplementary group"),
      list("--host-add <host:ip>", "add a host-to-IP mapping"), list("--host-rm <host>", "remove a host-to-IP mapping"),
      list("--dns-add <ip>", "add a DNS server"), list("--dns-rm <ip>", "remove a DNS server"),
      list("--dns-option-add <opt>", "add a DNS option"), list("--dns-option-rm <opt>", "remove a DNS option"),
      list("--dns-search-add <domain>", "add a DNS search domain"), list("--dns-search-rm <domain>", "remove a DNS search domain"),
      list("--sysctl-add <k=v>", "add or update a sysctl"), list("--sysctl-rm <k>", "remove a sysctl"),
      list("--ulimit-add <name=soft[:hard]>", "add or update a ulimit"), list("--ulimit-rm <name>", "remove a ulimit"),
      list("--generic-resource-add <res>", "add a user defined resource (not yet supported)"),
      list("--generic-resource-rm <res>", "remove a user defined resource (not yet supported)")];
  for (const [flag, d] of lists) cmd.option(flag, d, collect, []);
  for (const [flag, d] of [list("--cap-add <cap>", "add a Linux capability"), list("--cap-drop <cap>", "drop a Linux capability"), list("--log-opt <k=v>", "logging driver option")]) cmd.option(flag, d, collect, []);
  cmd.option("--read-only", "mount the container's root filesystem as read only")
    .option("--init", "use an init inside each container to forward signals and reap processes")
    .option("-t, --tty", "allocate a pseudo-TTY");
  // docker's `--read-only=false` on update: commander's negations.
  if (kind === "update") cmd.option("--no-read-only", "root filesystem writable again").option("--no-init", "no init").option("--no-tty", "no TTY");
  return cmd.option("--hostname <name>", "container hostname")
    .option("-u, --user <user>", "username or UID (format: <name|uid>[:<group|gid>])")
    .option("-w, --workdir <dir>", "working directory inside the container")
    .option("--entrypoint <command>", "overwrite the default ENTRYPOINT of the image")
    .option("--log-driver <driver>", "logging driver for the service")
    .option("--oom-score-adj <n>", "tune host's OOM preferences (-1000 to 1000)")
    .option("--no-resolve-image", "do not query the registry to resolve the image digest (jetswarm never does)")
    .option("--with-registry-auth", "send registry authentication details to the agents (not yet supported)")
    .option("--isolation <mode>", "container isolation mode (Windows only; only \"default\" accepted)")
    .option("--credential-spec <spec>", "credential spec for a managed service account (Windows only; refused)");
}
