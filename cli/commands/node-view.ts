import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Node } from "../../schemas/api.js";
import { titleCase } from "../output/table.js";

/* Pure-ish helpers of `swarm node …`: rows, the pretty inspect, spec edits, and "which node am I". */

export function hostnameOf(n: Node): string {
  return n.Description?.Hostname ?? n.Spec.Name;
}

function managerStatus(n: Node): string {
  if (!n.ManagerStatus) return "";
  return n.ManagerStatus.Leader ? "Leader" : titleCase(n.ManagerStatus.Reachability);
}

/** `node ls` rows, sorted by host name (docker's order); the current node's ID is suffixed ` *`. */
export function nodeRows(nodes: Node[], self?: string): string[][] {
  return [...nodes]
    .sort((a, b) => hostnameOf(a).localeCompare(hostnameOf(b)) || a.ID.localeCompare(b.ID))
    .map((n) => [n.ID === self ? `${n.ID} *` : n.ID, hostnameOf(n), titleCase(n.Status.State), titleCase(n.Spec.Availability),
      managerStatus(n), n.Description?.Engine.EngineVersion ?? ""]);
}

/** Docker's units.BytesSize: binary units, 4 significant digits (`1.952GiB`, `512MiB`). */
export function bytesSize(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

function labelLines(title: string, labels: Record<string, string>): string[] {
  const entries = Object.entries(labels);
  return entries.length ? [title, ...entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => ` - ${k}=${v}`)] : [];
}

/** Docker's `TLS Info` block, and the certificate's expiry (jetswarm's: it renews before then). */
function tlsLines(n: Node): string[] {
  const tls = n.Description?.TLSInfo;
  const lines = tls
    ? ["TLS Info:", ` TrustRoot:\n${tls.TrustRoot.trim()}\n`, ` Issuer Subject:\t${tls.CertIssuerSubject}`, ` Issuer Public Key:\t${tls.CertIssuerPublicKey}`]
    : [];
  if (n.Certificate) lines.push(...(tls ? [] : ["TLS Info:"]), ` Certificate Expiry:\t${n.Certificate.NotAfter}`);
  return lines;
}

export function prettyNode(n: Node): string {
  const d = n.Description;
  const lines = [
    `ID:\t\t\t${n.ID}`,
    ...labelLines("Labels:", n.Spec.Labels),
    `Hostname:\t\t${hostnameOf(n)}`,
    `Joined at:\t\t${n.CreatedAt}`,
    `Status:`,
    ` State:\t\t\t${titleCase(n.Status.State)}`,
    ...(n.Status.Message ? [` Message:\t\t${n.Status.Message}`] : []),
    ` Availability:\t\t${titleCase(n.Spec.Availability)}`,
    ` Address:\t\t${n.Status.Addr ?? ""}`,
  ];
  if (n.ManagerStatus) {
    lines.push(`Manager Status:`, ` Address:\t\t${n.ManagerStatus.Addr}`, ` Raft Status:\t\t${titleCase(n.ManagerStatus.Reachability)}`,
      ` Leader:\t\t${n.ManagerStatus.Leader ? "Yes" : "No"}`);
  }
  if (d) {
    lines.push(`Platform:`, ` Operating System:\t${d.Platform.OS}`, ` Architecture:\t\t${d.Platform.Architecture}`,
      `Resources:`, ` CPUs:\t\t\t${d.Resources.NanoCPUs / 1e9}`, ` Memory:\t\t${bytesSize(d.Resources.MemoryBytes)}`,
      `Engine Version:\t\t${d.Engine.EngineVersion}`, ...labelLines("Engine Labels:", d.Engine.Labels));
  }
  lines.push(...tlsLines(n));
  return lines.join("\n");
}

export interface NodeUpdateFlags {
  availability?: string;
  role?: string;
  labelAdd: string[];
  labelRm: string[];
}

const AVAILABILITIES = ["active", "pause", "drain"] as const;
const ROLES = ["worker", "manager"] as const;

/** `node update` flags applied to the node's current spec; a bad value names its flag. */
export function applyNodeFlags(spec: Node["Spec"], f: NodeUpdateFlags): Node["Spec"] {
  const out = { ...spec, Labels: { ...spec.Labels } };
  if (f.availability !== undefined) {
    const a = f.availability.toLowerCase();
    if (!(AVAILABILITIES as readonly string[]).includes(a)) throw new Error(`invalid argument "${f.availability}" for "--availability" flag: expected active, pause or drain`);
    out.Availability = a as Node["Spec"]["Availability"];
  }
  if (f.role !== undefined) {
    const r = f.role.toLowerCase();
    if (!(ROLES as readonly string[]).includes(r)) throw new Error(`invalid argument "${f.role}" for "--role" flag: expected worker or manager`);
    out.Role = r as Node["Spec"]["Role"];
  }
  for (const key of f.labelRm) {
    if (!(key in out.Labels)) throw new Error(`key ${key} doesn't exist in node's labels`);
    delete out.Labels[key];
  }
  for (const item of f.labelAdd) {
    const i = item.indexOf("=");
    const key = i < 0 ? item : item.slice(0, i);
    if (!key) throw new Error(`invalid argument "${item}" for "--label-add" flag: expected KEY=VALUE`);
    out.Labels[key] = i < 0 ? "" : item.slice(i + 1);
  }
  return out;
}

/**
 * The node this CLI runs on: `$SWARM_NODE_ID`, else the node.json that `swarm up` / `swarm join`
 * wrote in `$SWARM_DATA_DIR` (default `~/.jetswarm`, then its `join/`). Undefined when unknown.
 */
export function currentNodeId(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SWARM_NODE_ID) return env.SWARM_NODE_ID;
  const base = env.SWARM_DATA_DIR ?? join(homedir(), ".jetswarm");
  for (const file of [join(base, "node.json"), join(base, "join", "node.json")]) {
    if (!existsSync(file)) continue;
    try {
      const id = (JSON.parse(readFileSync(file, "utf8")) as { nodeId?: unknown }).nodeId;
      if (typeof id === "string" && id) return id;
    } catch {
      // an unreadable node.json just means "unknown", as if there were none
    }
  }
  return undefined;
}
