import type { ClusterView } from "../../shared/model/index.js";
import type { NetworkSpec, PortConfig } from "../../../schemas/index.js";
import { ExhaustedError } from "./address-space.js";
import { formatCidr, overlaps, parseCidr, sizeOf, type Cidr } from "./ip.js";

/*
 * The cluster-wide pools (pure): subnets for networks, VXLAN ids, ingress published ports.
 */

/** Swarm's defaults: `10.0.0.0/8` cut in /24s. */
export const DEFAULT_POOLS = { pools: ["10.0.0.0/8"], size: 24 } as const;
/** Swarm's first overlay VNI is 4096 + 1. */
export const FIRST_VNI = 4097;
export const MAX_VNI = 16_777_215;
/** Swarm's range for ingress ports the user did not choose. */
export const PORT_RANGE = { first: 30000, last: 32767 } as const;
export const DEFAULT_MTU = 1450;
const MTU_OPTION = "com.docker.network.driver.mtu";

export interface PoolConfig { pools: Cidr[]; size: number }

/**
 * The cluster's pools: `defaultAddrPool` and `subnetSize` when the cluster recorded them
 * (`swarm init --default-addr-pool … --default-addr-pool-mask-length …`), else Swarm's defaults.
 * Read leniently: a cluster initialised before those fields existed has none.
 */
export function poolConfigOf(cluster: ClusterView | undefined): PoolConfig {
  const c = cluster as (ClusterView & { defaultAddrPool?: string[]; subnetSize?: number }) | undefined;
  const pools = c?.defaultAddrPool?.length ? c.defaultAddrPool : DEFAULT_POOLS.pools;
  return { pools: pools.map(parseCidr), size: c?.subnetSize ?? DEFAULT_POOLS.size };
}

/** The first block of the pools' size that overlaps none of `taken`; ExhaustedError when none is left. */
export function chooseSubnet(cfg: PoolConfig, taken: readonly Cidr[]): Cidr {
  for (const pool of cfg.pools) {
    if (cfg.size < pool.bits) continue;
    const step = 2 ** (32 - cfg.size);
    for (let base = pool.base; base < pool.base + sizeOf(pool); base += step) {
      const c = { base, bits: cfg.size };
      const clash = taken.find((t) => overlaps(t, c));
      // Skip past a large clashing block at once (a user's /16 inside the pool).
      if (clash) base = Math.max(base, clash.base + sizeOf(clash) - step);
      else return c;
    }
  }
  throw new ExhaustedError(`could not find an available subnet in the address pools (${cfg.pools.map(formatCidr).join(", ")})`);
}

/** The lowest VNI from 4097 that no network holds. */
export function chooseVni(taken: ReadonlySet<number>): number {
  for (let v = FIRST_VNI; v <= MAX_VNI; v++) if (!taken.has(v)) return v;
  throw new ExhaustedError("no VXLAN id left");
}

/** The driver option `com.docker.network.driver.mtu` when it is a usable MTU, else 1450. */
export function mtuOf(spec: NetworkSpec): number {
  const v = Number(spec.Options?.[MTU_OPTION]);
  return Number.isInteger(v) && v >= 576 && v <= 9000 ? v : DEFAULT_MTU;
}

/** `tcp/80`: a published port's identity (one protocol's port is one routing-mesh rule). */
export function portKey(p: PortConfig): string {
  return `${p.Protocol ?? "tcp"}/${p.PublishedPort ?? 0}`;
}

/** Ingress (the default publish mode), as opposed to host. */
export function isIngress(p: PortConfig): boolean {
  return (p.PublishMode ?? "ingress") === "ingress";
}

/** The first port of 30000–32767 free for `protocol`, taken into `taken`. */
export function choosePort(taken: Set<string>, protocol: string): number {
  for (let port = PORT_RANGE.first; port <= PORT_RANGE.last; port++) {
    const key = `${protocol}/${port}`;
    if (!taken.has(key)) {
      taken.add(key);
      return port;
    }
  }
  throw new ExhaustedError(`no published port left in ${PORT_RANGE.first}-${PORT_RANGE.last}`);
}
