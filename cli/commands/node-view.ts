import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Node } from "../../schemas/api.js";
import { titleCase } from "../output/table.js";
import { GO_TYPE, goTemplate, type GoStruct } from "../output/template.js";
import { NODE_PRETTY } from "./pretty-templates.js";

/* Pure-ish helpers of `swarm node …`: rows, the pretty inspect, spec edits, and "which node am I". */

export function hostnameOf(n: Node): string {
  return n.Description?.Hostname ?? n.Spec.Name;
}

/** What docker's id resolver shows for a node (`service ps`/`node ps` NODE): its name, else its hostname, else its id. */
export function nodeName(n: Node): string {
  return n.Spec.Name || n.Description?.Hostname || n.ID;
}

function managerStatus(n: Node): string {
  if (!n.ManagerStatus) return "";
  return n.ManagerStatus.Leader ? "Leader" : titleCase(n.ManagerStatus.Reachability);
}

export const NODE_HEADERS = {
  ID: "ID", Self: "", Hostname: "HOSTNAME", Status: "STATUS", Availability: "AVAILABILITY", ManagerStatus: "MANAGER STATUS",
  EngineVersion: "ENGINE VERSION", TLSStatus: "TLS STATUS",
};

/** Nodes in docker's order: by host name. */
export function sortNodes(nodes: Node[]): Node[] {
  return [...nodes].sort((a, b) => hostnameOf(a).localeCompare(hostnameOf(b), undefined, { numeric: true }) || a.ID.localeCompare(b.ID));
}

type TlsInfo = NonNullable<NonNullable<Node["Description"]>["TLSInfo"]>;

/** docker's TLS STATUS: Ready when the node trusts the cluster's current root, Needs Rotation when not, else Unknown. */
function tlsStatus(n: Node, cluster: TlsInfo | undefined): string {
  const mine = n.Description?.TLSInfo;
  if (!cluster || !mine) return "Unknown";
  return mine.TrustRoot === cluster.TrustRoot && mine.CertIssuerSubject === cluster.CertIssuerSubject &&
    mine.CertIssuerPublicKey === cluster.CertIssuerPublicKey ? "Ready" : "Needs Rotation";
}

/** docker's `node ls` row context; `.ID` is the full id (also for `-q`). */
export function nodeContext(n: Node, self?: string, clusterTls?: TlsInfo): GoStruct {
  return {
    [GO_TYPE]: "*node.nodeContext",
    ID: n.ID, Self: n.ID === self, Hostname: hostnameOf(n), Status: titleCase(n.Status.State),
    Availability: titleCase(n.Spec.Availability), ManagerStatus: managerStatus(n), EngineVersion: n.Description?.Engine.EngineVersion ?? "",
    TLSStatus: tlsStatus(n, clusterTls),
  };
}

/** `node ls` rows, sorted by host name (docker's order); the current node's ID is suffixed ` *`. */
export function nodeRows(nodes: Node[], self?: string): string[][] {
  return sortNodes(nodes).map((n) => [n.ID === self ? `${n.ID} *` : n.ID, hostnameOf(n), titleCase(n.Status.State), titleCase(n.Spec.Availability),
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

/**
 * Go's time.Time String() of an RFC 3339 time, as docker's PrettyPrint shows `Joined at`:
 * `2026-12-07 06:10:02.123 +0000 UTC` (fraction without trailing zeros, none when whole).
 */
export function goTimeString(iso: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(iso);
  if (!m) return iso;
  const frac = (m[3] ?? "").replace(/0+$/, "");
  const zone = m[4] === "Z" ? "+0000 UTC" : `${m[4]!.replace(":", "")} ${m[4]!.replace(":", "")}`;
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ""} ${zone}`;
}

/** The context docker's node pretty template reads (nodeInspectContext), with jetswarm's certificate expiry. */
function nodeInspectContext(n: Node): GoStruct {
  const d = n.Description;
  const tls = d?.TLSInfo;
  return {
    [GO_TYPE]: "*node.nodeInspectContext",
    ID: n.ID, Name: n.Spec.Name, Labels: n.Spec.Labels, Hostname: d?.Hostname ?? "", CreatedAt: goTimeString(n.CreatedAt),
    StatusState: titleCase(n.Status.State), HasStatusMessage: Boolean(n.Status.Message), StatusMessage: titleCase(n.Status.Message ?? ""),
    SpecAvailability: titleCase(n.Spec.Availability), Status: { Addr: n.Status.Addr ?? "" }, StatusAddr: n.Status.Addr ?? "",
    HasManagerStatus: n.ManagerStatus !== undefined, ManagerStatusAddr: n.ManagerStatus?.Addr ?? "",
    ManagerStatusReachability: titleCase(n.ManagerStatus?.Reachability ?? ""), IsManagerStatusLeader: n.ManagerStatus?.Leader ?? false,
    PlatformOS: d?.Platform.OS ?? "", PlatformArchitecture: d?.Platform.Architecture ?? "",
    ResourceNanoCPUs: Math.trunc((d?.Resources.NanoCPUs ?? 0) / 1e9), ResourceMemory: d?.Resources.MemoryBytes ? bytesSize(d.Resources.MemoryBytes) : "",
    HasEnginePlugins: false, EnginePlugins: {}, EngineVersion: d?.Engine.EngineVersion ?? "", EngineLabels: d?.Engine.Labels ?? {},
    HasTLSInfo: tls !== undefined, TLSInfoTrustRoot: tls?.TrustRoot ?? "", TLSInfoCertIssuerSubject: tls?.CertIssuerSubject ?? "",
    TLSInfoCertIssuerPublicKey: tls?.CertIssuerPublicKey ?? "", CertificateExpiry: n.Certificate?.NotAfter ?? "",
  };
}

/** jetswarm's addition after docker's TLS Info: when the node's certificate expires (it renews before then). */
const CERT_EXPIRY = `{{- if .CertificateExpiry}}{{if not .HasTLSInfo}}
TLS Info:{{end}}
 Certificate Expiry:	{{.CertificateExpiry}}{{- end}}`;
const nodePretty = goTemplate(NODE_PRETTY + CERT_EXPIRY);

/** `node inspect --pretty` of one node: docker's template (no newline at the end: docker adds one per node). */
export function prettyNode(n: Node): string {
  return nodePretty.execute(nodeInspectContext(n));
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
