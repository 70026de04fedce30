import type { NetMapDoc } from "../../../schemas/index.js";
import { ipOf } from "./ipv4.js";
import { spread } from "./vip-rules.js";

/** The node's routing-mesh table (one per node, in the host's namespace). */
export const MESH_TABLE = "jetswarm_mesh";
/** Packet mark of mesh-DNATed connections: postrouting SNATs them to the node's ingress gateway. */
export const MESH_MARK = 0x4a53;

/** One ingress-mode published port and the serving endpoints behind it on the ingress network. */
export interface MeshPort {
  protocol: "tcp" | "udp";
  published: number;
  target: number;
  backends: string[];
}

/**
 * The published ports of every service on the ingress map (sctp is not meshed). `early`: tasks
 * whose endpoints serve although the map does not say so yet — this node's own tasks that its
 * agent saw running and still wants, before their status has gone round the allocator's map.
 */
export function meshPorts(ingress: NetMapDoc | undefined, early: ReadonlySet<string> = new Set()): MeshPort[] {
  if (!ingress || ingress.removed) return [];
  const out: MeshPort[] = [];
  for (const s of ingress.services) {
    const backends = ingress.endpoints.filter((e) => (e.serving || early.has(e.taskId)) && e.serviceId === s.serviceId).map((e) => ipOf(e.address));
    for (const p of s.ports) {
      const protocol = p.Protocol ?? "tcp";
      if ((p.PublishMode ?? "ingress") !== "ingress" || !p.PublishedPort || (protocol !== "tcp" && protocol !== "udp")) continue;
      out.push({ protocol, published: p.PublishedPort, target: p.TargetPort, backends: [...new Set(backends)].sort() });
    }
  }
  return out.sort((a, b) => a.published - b.published || a.protocol.localeCompare(b.protocol));
}

/**
 * The mesh table as one atomic `nft -f` transaction (DESIGN §6b): a connection to any local
 * address on a published port — arriving (prerouting) or from this host (output) — is marked and
 * DNATed over the service's serving endpoints; postrouting SNATs marked packets to the node's
 * ingress gateway so replies come back through this node. A port with no serving endpoint gets
 * no rule: nothing listens there, so the kernel refuses it (tcp reset / icmp port unreachable).
 */
export function meshScript(ports: readonly MeshPort[], gateway: string): string {
  const rules = ports.flatMap((p) => portRules(p));
  return [
    `add table ip ${MESH_TABLE}`,
    `delete table ip ${MESH_TABLE}`,
    `table ip ${MESH_TABLE} {`,
    "  chain pre {",
    "    type nat hook prerouting priority -110; policy accept;",
    ...rules.map((r) => `    ${r}`),
    "  }",
    "  chain out {",
    "    type nat hook output priority -110; policy accept;",
    ...rules.map((r) => `    ${r}`),
    "  }",
    "  chain post {",
    "    type nat hook postrouting priority 110; policy accept;",
    `    meta mark ${hex(MESH_MARK)} snat to ${gateway}`,
    "  }",
    "}",
    "",
  ].join("\n");
}

function portRules(p: MeshPort): string[] {
  if (p.backends.length === 0) return [];
  return [`fib daddr type local ${p.protocol} dport ${p.published} meta mark set ${hex(MESH_MARK)} dnat ip addr . port to ${spread(p.backends, p.target)}`];
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
