import type { NetMapDoc } from "../../../schemas/index.js";
import { ipOf } from "./ipv4.js";

/** One service VIP as a client on a network sees it: the serving endpoints behind it. */
export interface VipTarget {
  vip: string;
  backends: string[];
}

/** The nftables table the agent owns inside each task container's network namespace. */
export const VIP_TABLE = "jetswarm_vip";

/**
 * The VIPs a client on `networkIds` needs: every vip-mode service on those networks with the
 * addresses of its serving endpoints there (sorted, so equal inputs give equal rules).
 */
export function vipTargets(maps: readonly NetMapDoc[], networkIds: readonly string[]): VipTarget[] {
  const out: VipTarget[] = [];
  for (const m of maps) {
    if (m.removed || !networkIds.includes(m.networkId)) continue;
    for (const s of m.services) {
      if (s.endpointMode !== "vip" || !s.vip) continue;
      const backends = m.endpoints.filter((e) => e.serving && e.serviceId === s.serviceId).map((e) => ipOf(e.address));
      out.push({ vip: ipOf(s.vip), backends: [...new Set(backends)].sort() });
    }
  }
  return out.sort((a, b) => a.vip.localeCompare(b.vip));
}

/**
 * The whole table as one `nft -f` transaction (create, flush by delete, re-declare: atomic, so a
 * client never sees a half-written set). A VIP with backends is DNATed in the output hook, ports
 * kept (`numgen random`); one without is rejected (tcp reset / icmp port unreachable) rather than
 * left to time out. DNAT happens in the client's own namespace: backends see its real address,
 * and a task calling its own service's VIP (hairpin) is routed back through its loopback.
 */
export function vipScript(targets: readonly VipTarget[]): string {
  const dnat = targets.filter((t) => t.backends.length > 0).map((t) => `    ip daddr ${t.vip} dnat to ${spread(t.backends)}`);
  const empty = targets.filter((t) => t.backends.length === 0).map((t) => t.vip);
  const reject = empty.length === 0 ? [] : [
    `    ip daddr { ${empty.join(", ")} } meta l4proto tcp reject with tcp reset`,
    `    ip daddr { ${empty.join(", ")} } reject`,
  ];
  return [
    `add table ip ${VIP_TABLE}`,
    `delete table ip ${VIP_TABLE}`,
    `table ip ${VIP_TABLE} {`,
    "  chain out {",
    "    type nat hook output priority -100; policy accept;",
    ...dnat,
    "  }",
    "  chain empty {",
    "    type filter hook output priority 0; policy accept;",
    ...reject,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** `numgen random mod N map { 0 : a, 1 : b }` (or the single address). */
export function spread(backends: readonly string[], port?: number): string {
  const target = (ip: string) => (port === undefined ? ip : `${ip} . ${port}`);
  if (backends.length === 1 && port === undefined) return backends[0] ?? "";
  const entries = backends.map((ip, i) => `${i} : ${target(ip)}`).join(", ");
  return `numgen random mod ${backends.length} map { ${entries} }`;
}

/** Backends present in `before` and gone from `after`: their conntrack entries are flushed. */
export function removedBackends(before: readonly VipTarget[], after: readonly VipTarget[]): string[] {
  const now = new Set(after.flatMap((t) => t.backends));
  return [...new Set(before.flatMap((t) => t.backends))].filter((ip) => !now.has(ip)).sort();
}

/**
 * Whether `after` only adds backends to VIPs that already had some: the same VIPs, none losing a
 * backend, none going from no backend to some (one that stays without any is no obstacle). Such a
 * change may wait (batched): the VIP works already, and a scale-up of n tasks would otherwise
 * reload every client's table n times.
 */
export function onlyAddsBackends(before: readonly VipTarget[], after: readonly VipTarget[]): boolean {
  if (before.length !== after.length) return false;
  const was = new Map(before.map((t) => [t.vip, new Set(t.backends)]));
  return after.every((t) => {
    const old = was.get(t.vip);
    // A VIP that had none and still has none (an idle service on the network) changes nothing.
    if (old !== undefined && old.size === 0 && t.backends.length === 0) return true;
    return old !== undefined && old.size > 0 && [...old].every((ip) => t.backends.includes(ip));
  });
}
