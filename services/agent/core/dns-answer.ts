import type { NetMapDoc, NetMapService } from "../../../schemas/index.js";
import { inSubnet, ipOf } from "./ipv4.js";

/** Answers' time to live, seconds: short, so a changed backend set is seen quickly (≤ 5 s). */
export const DNS_TTL_S = 5;

/**
 * What the node's DNS server does with one question (DESIGN §6b):
 * * `answer`: the name is ours on the asker's network; `ips` may be empty (the name exists but has
 *   no record of that type, or a dnsrr service has no serving task: NOERROR, no data). `vip` is
 *   set when the answer is a service VIP: it is held until the asker's VIP rules exist.
 * * `nxdomain`: a service name of ours that is not on the asker's network, or `tasks.<unknown>`.
 * * `forward`: not ours: relay to the node's resolver.
 */
export type DnsDecision =
  | { kind: "answer"; ips: string[]; networkId: string; vip?: string }
  | { kind: "nxdomain" }
  | { kind: "forward" };

const TYPE_A = "A";

/** The live map whose subnet holds the asker's address (Docker's 127.0.0.11 forwards from it). */
export function askerNetwork(maps: readonly NetMapDoc[], sourceIp: string): NetMapDoc | undefined {
  return maps.find((m) => !m.removed && inSubnet(sourceIp, m.subnet));
}

/** Decides the answer to `name` (type `A`, `AAAA`, …) asked from `sourceIp`. */
export function answerQuery(maps: readonly NetMapDoc[], sourceIp: string, name: string, type: string): DnsDecision {
  const q = name.toLowerCase().replace(/\.$/, "");
  const net = askerNetwork(maps, sourceIp);
  const found = net ? lookup(net, q) ?? lookup(net, stripSuffix(q, net.name)) : undefined;
  if (net && found) {
    if (type !== TYPE_A && type !== "ANY") return { kind: "answer", ips: [], networkId: net.networkId };
    return { kind: "answer", networkId: net.networkId, ...found };
  }
  const ours = maps.some((m) => !m.removed && lookup(m, q) !== undefined);
  return ours || q.startsWith("tasks.") ? { kind: "nxdomain" } : { kind: "forward" };
}

function stripSuffix(q: string, networkName: string): string {
  const suffix = `.${networkName.toLowerCase()}`;
  return q.endsWith(suffix) ? q.slice(0, -suffix.length) : "";
}

/** The records for `q` on one network, or undefined when the name is not known there. */
function lookup(net: NetMapDoc, q: string): { ips: string[]; vip?: string } | undefined {
  if (q === "") return undefined;
  const serving = net.endpoints.filter((e) => e.serving);
  const service = net.services.find((s) => s.name.toLowerCase() === q || s.aliases.some((a) => a.toLowerCase() === q));
  if (service) return serviceRecords(net, service);
  if (q.startsWith("tasks.")) {
    const target = net.services.find((s) => s.name.toLowerCase() === q.slice("tasks.".length));
    if (target) return { ips: sorted(serving.filter((e) => e.serviceId === target.serviceId).map((e) => ipOf(e.address))) };
  }
  const aliased = serving.filter((e) => e.aliases.some((a) => a.toLowerCase() === q));
  if (aliased.length > 0) return { ips: sorted(aliased.map((e) => ipOf(e.address))) };
  const task = net.endpoints.find((e) => taskNames(e).includes(q));
  return task ? { ips: [ipOf(task.address)] } : undefined;
}

function serviceRecords(net: NetMapDoc, s: NetMapService): { ips: string[]; vip?: string } {
  if (s.endpointMode === "vip" && s.vip) return { ips: [ipOf(s.vip)], vip: ipOf(s.vip) };
  const ips = net.endpoints.filter((e) => e.serving && e.serviceId === s.serviceId).map((e) => ipOf(e.address));
  return { ips: sorted(ips) };
}

/** `<service>.<slot>.<taskId>` (node id in place of slot 0, as the agent names containers). */
function taskNames(e: NetMapDoc["endpoints"][number]): string[] {
  const slot = e.slot === 0 ? e.nodeId : String(e.slot);
  return [`${e.serviceName}.${slot}.${e.taskId}`.toLowerCase()];
}

function sorted(ips: string[]): string[] {
  return [...ips].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}
