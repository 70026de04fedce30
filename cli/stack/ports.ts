import type { PortConfig } from "../../schemas/index.js";

/*
 * docker's short port syntax (`[ip:][published:]target[/proto]`, ranges `8000-8001:80-81`), as
 * go-connections' nat.ParsePortSpec and swarmopts.ConvertPortToPortConfig read it: each port
 * becomes an ingress PortConfig; a host IP is ignored (the service listens on every address), as
 * docker ignores it with a warning.
 */

export interface ParsedPorts { ports: PortConfig[]; ignoredIp?: string }

function range(s: string, what: string): [number, number] {
  const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(s);
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  if (!m || start > 65535 || end > 65535 || end < start) throw new Error(`invalid ${what}: ${s}`);
  return [start, end];
}

function splitParts(raw: string): { ip: string; host: string; target: string } {
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(raw);
  if (v6) {
    const [host = "", target = ""] = splitLast(v6[2] ?? "");
    return { ip: v6[1] ?? "", host, target };
  }
  const parts = raw.split(":");
  if (parts.length === 1) return { ip: "", host: "", target: parts[0] ?? "" };
  if (parts.length === 2) return { ip: "", host: parts[0] ?? "", target: parts[1] ?? "" };
  if (parts.length === 3) return { ip: parts[0] ?? "", host: parts[1] ?? "", target: parts[2] ?? "" };
  throw new Error(`invalid port specification: ${JSON.stringify(raw)}`);
}

function splitLast(s: string): [string, string] {
  const i = s.lastIndexOf(":");
  return i < 0 ? ["", s] : [s.slice(0, i), s.slice(i + 1)];
}

/** The PortConfigs of one short-syntax entry; throws a plain Error with docker's wording. */
export function parsePortSpec(spec: string | number): ParsedPorts {
  const text = String(spec);
  const slash = text.lastIndexOf("/");
  const proto = slash >= 0 ? text.slice(slash + 1).toLowerCase() : "tcp";
  const raw = slash >= 0 ? text.slice(0, slash) : text;
  if (!["tcp", "udp", "sctp"].includes(proto)) throw new Error(`invalid proto: ${proto}`);
  const { ip, host, target } = splitParts(raw);
  if (target === "") throw new Error(`no port specified: ${text}<empty>`);
  const [ts, te] = range(target, "containerPort");
  const [hs, he] = host === "" ? [0, 0] : range(host, "hostPort");
  if (host !== "" && te - ts !== he - hs && te !== ts) {
    throw new Error(`invalid ranges specified for container and host Ports: ${target} and ${host}`);
  }
  const ports: PortConfig[] = [];
  for (let t = ts; t <= te; t++) {
    if (host !== "" && te !== ts) {
      ports.push(port(proto, t, hs + (t - ts)));
      continue;
    }
    for (let h = hs; h <= he; h++) ports.push(port(proto, t, h));
  }
  const unspecified = ip === "" || ip === "0.0.0.0" || ip === "::";
  return unspecified ? { ports } : { ports, ignoredIp: ip };
}

function port(proto: string, target: number, published: number): PortConfig {
  return { Protocol: proto as PortConfig["Protocol"], TargetPort: target, PublishedPort: published, PublishMode: "ingress" };
}
