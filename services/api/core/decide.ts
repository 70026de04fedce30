import type { ControlPlaneScaleRequest, InitRequest, JoinRequest, SwarmUpdateRequest } from "../../../schemas/api.js";
import type { NodeRole, ServiceSpec, SpecLimits } from "../../../schemas/index.js";
import { modeName, SPEC_LIMITS, subjects } from "../../../schemas/index.js";
import type { ClusterState, ClusterView, PlannedEvent } from "../../shared/model/index.js";
import { alreadyExists, failedPrecondition, invalidArgument, SwarmError, unavailable } from "../../shared/errors/index.js";
import { plan, versionOf } from "../../shared/model/index.js";
import { parseCidr } from "./cidr.js";
import { findService, liveServices } from "./lookup.js";
import { resolveReferences } from "./references.js";
import { checkPortConflicts, resolveNetworks } from "./service-networks.js";
import { checkClusterTasks } from "./spec-limits.js";

/*
 * Pure deciders: request + projection → planned events, or a SwarmError. Ids, tokens and host
 * names are decided by the shell and arrive as data; every planned event names the version it
 * was decided on (0 for a new aggregate) and a step key unique to the request.
 */

/** The cluster is a singleton aggregate: `swarm.evt.cluster.default` (Swarm's cluster name). */
export const CLUSTER_AGGREGATE = "default";

export const MESSAGES = {
  notManager: `This node is not a swarm manager. Use "swarm init" or "swarm join" to connect this node to swarm and try again.`,
  alreadyInSwarm: `This node is already part of a swarm. Use "swarm leave" to leave this swarm and join another one.`,
  badToken: "A valid join token is necessary to join this cluster",
  outOfSequence: "update out of sequence",
} as const;

export const DEFAULTS = { heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } as const;

/** Values the shell draws at random for one request. */
export interface Fresh {
  requestId: string;
  clusterId: string;
  nodeId: string;
}

/** What the secret-store gave for a new cluster: the tokens' hashes (never the tokens) and the root CA. */
export interface InitKeys {
  workerTokenHash: string;
  managerTokenHash: string;
  caCert: string;
  caDigest: string;
}

export function requireCluster(state: ClusterState): ClusterView {
  if (!state.cluster) throw unavailable(MESSAGES.notManager);
  return state.cluster;
}

export function decideInitCluster(state: ClusterState, req: InitRequest, fresh: Fresh, keys: InitKeys): PlannedEvent[] {
  if (state.cluster) throw failedPrecondition(MESSAGES.alreadyInSwarm);
  const data = {
    clusterId: fresh.clusterId,
    workerTokenHash: keys.workerTokenHash,
    managerTokenHash: keys.managerTokenHash,
    caCert: keys.caCert,
    caDigest: keys.caDigest,
    heartbeatPeriodMs: req.HeartbeatPeriodMs ?? DEFAULTS.heartbeatPeriodMs,
    ...(req.NodeCertExpiryMs === undefined ? {} : { nodeCertExpiryMs: req.NodeCertExpiryMs }),
    taskHistoryLimit: req.TaskHistoryRetentionLimit ?? DEFAULTS.taskHistoryLimit,
    ...addressPools(req),
  };
  return [plan("ClusterInitialized", "cluster", CLUSTER_AGGREGATE, data, 0, `init:${fresh.requestId}`)];
}

/** Swarm's check of `--default-addr-pool` / `--default-addr-pool-mask-length` (moby validateDefaultAddrPool). */
export function addressPools(req: InitRequest): { defaultAddrPool?: string[]; subnetSize?: number } {
  // Swarm ignores a mask length given without pools (docker sends its default 24 every time).
  if (!req.DefaultAddrPool) return {};
  const size = req.SubnetSize ?? 24;
  if (size < 1 || size > 29) throw invalidArgument(`subnet size is out of range: ${size}`);
  const pools = req.DefaultAddrPool.map((p) => p.trim());
  for (const p of pools) {
    const c = parseCidr(p);
    if (typeof c === "string") throw invalidArgument(`invalid base pool ${p}: ${c}`);
    if (size < c.prefix) throw invalidArgument(`invalid CIDR: "${p}". Subnet size is too small for pool: ${size}`);
  }
  return { defaultAddrPool: pools, subnetSize: size };
}

/** The first manager (`init`, after the cluster exists) or a node joining with a token. */
export function decideNodeJoin(
  state: ClusterState, node: { name: string; role: NodeRole; availability?: JoinRequest["Availability"] }, fresh: Fresh,
): PlannedEvent[] {
  requireCluster(state);
  const data = { nodeId: fresh.nodeId, name: node.name, role: node.role, availability: node.availability ?? "active" };
  return [plan("NodeJoined", "node", fresh.nodeId, data, 0, `join:${fresh.requestId}`)];
}

/**
 * A node joining with a token; `role` is the token's (the app layer checks the token against the
 * hashes in the projection: comparing in constant time is not pure code's business).
 */
export function decideJoin(state: ClusterState, req: JoinRequest, role: NodeRole, fresh: Fresh): PlannedEvent[] {
  return decideNodeJoin(state, { name: req.NodeName, role, availability: req.Availability }, fresh);
}

function assertNameFree(state: ClusterState, name: string, exceptId?: string): void {
  if (liveServices(state).some((s) => s.spec.Name === name && s.id !== exceptId)) {
    throw alreadyExists(`rpc error: code = AlreadyExists desc = name conflicts with an existing object: service ${name} already exists`);
  }
}

export function decideCreateService(
  state: ClusterState, spec: ServiceSpec, serviceId: string, fresh: Pick<Fresh, "requestId">, limits: SpecLimits = SPEC_LIMITS,
): PlannedEvent[] {
  requireCluster(state);
  assertNameFree(state, spec.Name);
  checkClusterTasks(state, spec, undefined, limits);
  checkPortConflicts(state, spec);
  const resolved = resolveNetworks(state, resolveReferences(state, spec));
  return [plan("ServiceCreated", "service", serviceId, { serviceId, spec: resolved }, 0, `create:${fresh.requestId}`)];
}

/**
 * A spec update (Swarm's UpdateService): any change but a rename or a mode change. The fold keeps
 * the current spec as the previous one (reference §5.2); the orchestrator's updater rolls it out.
 */
export function decideUpdateService(
  state: ClusterState, ref: string, version: number, spec: ServiceSpec, fresh: Pick<Fresh, "requestId">, limits: SpecLimits = SPEC_LIMITS,
): PlannedEvent[] {
  requireCluster(state);
  const svc = findService(state, ref);
  const current = versionOf(state, subjects.event("service", svc.id));
  if (version !== current) throw new SwarmError("conflict", MESSAGES.outOfSequence);
  if (spec.Name !== svc.spec.Name) throw invalidArgument("renaming services is not supported");
  if (modeName(svc.spec) !== modeName(spec)) throw invalidArgument("service mode change is not allowed");
  checkClusterTasks(state, spec, svc.id, limits);
  checkPortConflicts(state, spec, svc.id);
  const resolved = resolveNetworks(state, resolveReferences(state, spec));
  return [plan("ServiceUpdated", "service", svc.id, { serviceId: svc.id, spec: resolved }, current, `update:${fresh.requestId}`)];
}

/** Manual rollback (`?rollback=previous`): spec and previous spec swap (reference §5.2). */
export function decideRollbackService(
  state: ClusterState, ref: string, version: number, fresh: Pick<Fresh, "requestId">,
): PlannedEvent[] {
  requireCluster(state);
  const svc = findService(state, ref);
  const current = versionOf(state, subjects.event("service", svc.id));
  if (version !== current) throw new SwarmError("conflict", MESSAGES.outOfSequence);
  if (!svc.previousSpec) throw failedPrecondition(`service ${svc.id} does not have a previous spec`);
  return [plan("ServiceRollbackRequested", "service", svc.id, { serviceId: svc.id }, current, `rollback:${fresh.requestId}`)];
}

/** `swarm update`: only what the request names changes; nothing is appended when it names nothing. */
export function decideUpdateCluster(
  state: ClusterState, req: SwarmUpdateRequest, version: number | undefined, fresh: Pick<Fresh, "requestId">,
): PlannedEvent[] {
  requireCluster(state);
  const current = versionOf(state, subjects.event("cluster", CLUSTER_AGGREGATE));
  if (version !== undefined && version !== current) throw new SwarmError("conflict", MESSAGES.outOfSequence);
  const data = {
    heartbeatPeriodMs: req.HeartbeatPeriodMs, taskHistoryLimit: req.TaskHistoryRetentionLimit,
    ...(req.NodeCertExpiryMs === undefined ? {} : { nodeCertExpiryMs: req.NodeCertExpiryMs }),
  };
  if (Object.values(data).every((v) => v === undefined)) return [];
  return [plan("ClusterUpdated", "cluster", CLUSTER_AGGREGATE, data, current, `cluster-update:${fresh.requestId}`)];
}

/**
 * `swarm join-token --rotate <role>`: the role's token becomes the one of `next.generation`, which
 * must follow the current one (the shell asked the secret-store for that generation's token; a
 * rotation that landed meanwhile makes this one out of sequence).
 */
export function decideRotateJoinToken(
  state: ClusterState, role: NodeRole, next: { generation: number; tokenHash: string }, fresh: Pick<Fresh, "requestId">,
): PlannedEvent[] {
  const cluster = requireCluster(state);
  const current = versionOf(state, subjects.event("cluster", CLUSTER_AGGREGATE));
  if (next.generation !== cluster.joinTokens[role].generation + 1) throw new SwarmError("conflict", MESSAGES.outOfSequence);
  const data = { role, generation: next.generation, tokenHash: next.tokenHash };
  return [plan("ClusterJoinTokenRotated", "cluster", CLUSTER_AGGREGATE, data, current, `rotate-${role}-token:${fresh.requestId}`)];
}

/** `swarm control-plane scale`: records the desired instance counts; nothing when they are already so. */
export function decideScaleControlPlane(
  state: ClusterState, req: ControlPlaneScaleRequest, fresh: Pick<Fresh, "requestId">,
): PlannedEvent[] {
  const cluster = requireCluster(state);
  const current = versionOf(state, subjects.event("cluster", CLUSTER_AGGREGATE));
  const changed = Object.entries(req.Scale).filter(([name, n]) => cluster.controlPlane?.[name] !== n);
  if (changed.length === 0) return [];
  const data = { controlPlane: Object.fromEntries(changed) as Record<string, number> };
  return [plan("ClusterUpdated", "cluster", CLUSTER_AGGREGATE, data, current, `control-plane-scale:${fresh.requestId}`)];
}

export function decideRemoveService(state: ClusterState, ref: string, fresh: Pick<Fresh, "requestId">): PlannedEvent[] {
  requireCluster(state);
  const svc = findService(state, ref);
  const current = versionOf(state, subjects.event("service", svc.id));
  return [plan("ServiceRemoved", "service", svc.id, { serviceId: svc.id, name: svc.spec.Name }, current, `remove:${fresh.requestId}`)];
}
