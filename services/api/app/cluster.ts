import { hostname } from "node:os";
import type { InitRequest, JoinRequest, JoinResponse, SwarmUpdateRequest } from "../../../schemas/api.js";
import type { Actor, api } from "../../../schemas/index.js";
import { decideInitCluster, decideJoin, decideNodeJoin, decideUpdateCluster, requireCluster } from "../core/decide.js";
import { joinActor } from "../core/actor.js";
import { clusterInfo as infoView } from "../core/views.js";
import { apiInstance, commitAs, fresh, stateOf, type AppDeps } from "./context.js";

/* The cluster: init, join with a token, cluster settings, and its inspect. */

/** `swarm init`: the cluster (ids and tokens drawn here), then its first manager node. */
export async function initCluster(deps: AppDeps, actor: Actor, req: InitRequest): Promise<{ ClusterID: string; NodeID: string }> {
  const f = fresh();
  await commitAs(deps, actor, (s) => decideInitCluster(s, req, f));
  await commitAs(deps, actor, (s) => decideNodeJoin(s, { name: req.NodeName ?? hostname(), role: "manager" }, f));
  return { ClusterID: f.clusterId, NodeID: f.nodeId };
}

/** A node joining with a token: the token (by role) is the actor; its role comes from the token. */
export async function joinNode(deps: AppDeps, req: JoinRequest): Promise<JoinResponse> {
  const f = fresh();
  requireCluster(stateOf(deps));
  const role = await deps.tokens.roleOf(req.JoinToken);
  await commitAs(deps, joinActor(role, apiInstance(deps)), (s) => decideJoin(s, req, role, f));
  const node = stateOf(deps).nodes.get(f.nodeId);
  return { NodeID: f.nodeId, Role: node?.role ?? "worker", HeartbeatPeriodMs: requireCluster(stateOf(deps)).heartbeatPeriodMs };
}

/** Cluster settings; `version` (when given) must be the cluster's. Naming nothing appends nothing. */
export async function updateCluster(deps: AppDeps, actor: Actor, input: { request: SwarmUpdateRequest; version?: number }): Promise<void> {
  const f = fresh();
  await commitAs(deps, actor, (s) => decideUpdateCluster(s, input.request, input.version, f));
}

export async function clusterInfo(deps: AppDeps): Promise<api.ClusterInfo> {
  requireCluster(stateOf(deps));
  const tokens = await deps.tokens.get();
  // Read after the tokens: the view is of the projection as it is now.
  const state = stateOf(deps);
  return infoView(state, requireCluster(state), tokens);
}
