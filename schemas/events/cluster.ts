import { createHash } from "node:crypto";
import { z } from "zod";
import { NodeRole } from "../primitives.js";
import { aggregate } from "./entry.js";

/* The cluster: one aggregate, on `swarm.evt.cluster.default` (its `clusterId` is not the subject's id). */

/**
 * How the log names a join token: hex SHA-256 of the whole token. A token's secret is 25 base-36
 * characters (~129 bits) drawn by the secret-store, so a plain hash cannot be searched back.
 * (node:crypto's hash as a pure function: the v1 upcast below needs it.)
 */
export function joinTokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * v2: the log holds the root CA's certificate and digest (DESIGN §6) and only hashes of the join
 * tokens (the secret-store derives the tokens themselves, generation 1 here). A cluster upcast from
 * v1 has no CA (it predates it).
 */
export const ClusterInitialized = z.object({
  clusterId: z.string(),
  workerTokenHash: z.string(),
  managerTokenHash: z.string(),
  /** The root CA certificate (PEM) and Swarm's digest of it (the token's second field). */
  caCert: z.string().optional(),
  caDigest: z.string().optional(),
  heartbeatPeriodMs: z.number().int().positive(),
  taskHistoryLimit: z.number().int(),
  /** Validity of node certificates (`--cert-expiry`); absent: Swarm's 90 days. */
  nodeCertExpiryMs: z.number().int().positive().optional(),
  /** Pools overlay subnets are cut from (`swarm init --default-addr-pool`); absent: Swarm's 10.0.0.0/8. */
  defaultAddrPool: z.array(z.string()).optional(),
  /** Prefix length of the subnets cut from the pools (`--default-addr-pool-mask-length`); absent: 24. */
  subnetSize: z.number().int().min(1).max(29).optional(),
});
/** `swarm update`. */
export const ClusterUpdated = z.object({
  heartbeatPeriodMs: z.number().int().positive().optional(),
  taskHistoryLimit: z.number().int().optional(),
  nodeCertExpiryMs: z.number().int().positive().optional(),
  /**
   * `swarm control-plane scale`: the desired number of instances of the services it names (the
   * others keep theirs); every manager's supervisor runs its share.
   */
  controlPlane: z.record(z.string(), z.number().int().positive()).optional(),
});
/**
 * `swarm join-token --rotate <role>`: the role's token is now the one of `generation` (the
 * secret-store derives it); the previous one joins nothing from here on.
 */
export const ClusterJoinTokenRotated = z.object({
  role: NodeRole,
  generation: z.number().int().min(2),
  tokenHash: z.string(),
});

/**
 * `swarm init --autolock`, `swarm update --autolock=true|false`, `swarm unlock-key --rotate`: the
 * managers' keys at rest are wrapped by an unlock key (`keyCheck`: what `unlockKeyCheck` of
 * shared/pki makes of it — never the key), or no longer (`enabled: false`, no check).
 */
export const ClusterAutolockChanged = z.object({
  enabled: z.boolean(),
  keyCheck: z.string().regex(/^[0-9a-f]{64}$/).optional(),
}).refine((d) => d.enabled === (d.keyCheck !== undefined), { message: "keyCheck: present exactly when autolock is enabled" });

/**
 * `swarm ca --rotate`: a new root CA (certificate and digest; its key is the secret-store's, never
 * in the log) and its cross-signed intermediate (the new root's key signed by the old root): nodes
 * move to certificates of the new root while both are trusted.
 */
export const ClusterCaRotationStarted = z.object({
  caCert: z.string(),
  caDigest: z.string(),
  crossSigned: z.string(),
});
/**
 * Every node has a certificate of the new root: it alone is trusted from here on, and the join
 * tokens (whose digest names the root) are the new root's — their hashes; generations unchanged.
 */
export const ClusterCaRotationCompleted = z.object({
  caDigest: z.string(),
  workerTokenHash: z.string(),
  managerTokenHash: z.string(),
});

/** v1 recorded the tokens themselves: keep only their hashes (the log's old message still has them). */
function upcastInitialized(data: unknown, from: number): unknown {
  if (from !== 1 || !data || typeof data !== "object") return data;
  const { workerToken, managerToken, ...rest } = data as { workerToken?: unknown; managerToken?: unknown };
  return {
    ...rest,
    workerTokenHash: typeof workerToken === "string" ? joinTokenHash(workerToken) : workerToken,
    managerTokenHash: typeof managerToken === "string" ? joinTokenHash(managerToken) : managerToken,
  };
}

export const CLUSTER_EVENTS = aggregate("cluster", undefined, {
  ClusterInitialized: { data: ClusterInitialized, producer: "api", actsFor: "user", version: 2, upcast: upcastInitialized },
  ClusterUpdated: { data: ClusterUpdated, producer: "api", actsFor: "user" },
  ClusterJoinTokenRotated: { data: ClusterJoinTokenRotated, producer: "api", actsFor: "user" },
  ClusterAutolockChanged: { data: ClusterAutolockChanged, producer: "api", actsFor: "user" },
  ClusterCaRotationStarted: { data: ClusterCaRotationStarted, producer: "api", actsFor: "user" },
  ClusterCaRotationCompleted: { data: ClusterCaRotationCompleted, producer: "secret-store" },
});
