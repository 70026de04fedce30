import { hostname } from "node:os";
import type { InitRequest, InitResponse, JoinRequest, JoinResponse, SwarmUpdateRequest } from "../../../schemas/api.js";
import { joinTokenHash, type Actor, type api, type NodeRole } from "../../../schemas/index.js";
import { checkCsr } from "../../shared/pki/index.js";
import { decideInitCluster, decideJoin, decideNodeJoin, decideRotateJoinToken, decideUpdateCluster, requireCluster } from "../core/decide.js";
import { joinActor } from "../core/actor.js";
import { clusterInfo as infoView } from "../core/views.js";
import { dockerSwarm } from "../core/engine-swarm.js";
import type { ClusterView } from "../../shared/model/index.js";
import { apiInstance, commitAs, fresh, stateOf, type AppDeps } from "./context.js";
import { ensureIngress } from "./networks.js";
import { roleOfToken, shownTokens } from "./tokens.js";

/* The cluster: init, join with a token (and a CSR), join-token rotation, cluster settings, inspect. */

/**
 * `swarm init`: the cluster (ids drawn here; the tokens' hashes and the root CA from the
 * secret-store), then its first manager node, then — when the request brings a CSR — its certificate.
 */
export async function initCluster(deps: AppDeps, actor: Actor, req: InitRequest): Promise<InitResponse> {
  const f = fresh();
  // A bad CSR is refused before anything is appended (a node without its certificate is no use).
  if (req.Csr !== undefined) await checkCsr(req.Csr);
  const t = await deps.keys.joinTokens({ worker: 1, manager: 1 });
  const keys = { workerTokenHash: joinTokenHash(t.worker), managerTokenHash: joinTokenHash(t.manager), caCert: t.caCert, caDigest: t.caDigest };
  await commitAs(deps, actor, (s) => decideInitCluster(s, req, f, keys));
  // Swarm creates the ingress network with the cluster (the allocator gives it its subnet).
  await ensureIngress(deps, actor);
  const seq = await commitAs(deps, actor, (s) => decideNodeJoin(s, { name: req.NodeName ?? hostname(), role: "manager" }, f));
  return { ClusterID: f.clusterId, NodeID: f.nodeId, ...(await certificateFor(deps, f.nodeId, req.Csr, seq)) };
}

/**
 * A node joining with a token: the token (by role) is the actor; its role comes from the token. A
 * manager that sent an ephemeral public key also gets the cluster's keys sealed to it (the
 * secret-store checks the role again on its own projection); a worker never does.
 */
export async function joinNode(deps: AppDeps, req: JoinRequest): Promise<JoinResponse> {
  const f = fresh();
  const role = roleOfToken(requireCluster(stateOf(deps)), req.JoinToken);
  if (req.Csr !== undefined) await checkCsr(req.Csr);
  const seq = await commitAs(deps, joinActor(role, apiInstance(deps)), (s) => decideJoin(s, req, role, f));
  const node = stateOf(deps).nodes.get(f.nodeId);
  const cert = await certificateFor(deps, f.nodeId, req.Csr, seq);
  const keys = node?.role === "manager" && req.KeysPublicKey !== undefined
    ? { Keys: (await deps.keys.handover({ nodeId: f.nodeId, publicKey: req.KeysPublicKey, seq })).sealed } : {};
  return { NodeID: f.nodeId, Role: node?.role ?? "worker", HeartbeatPeriodMs: requireCluster(stateOf(deps)).heartbeatPeriodMs, ...cert, ...keys };
}

/** The node's certificate from its CSR (signed by the secret-store, which sets the subject itself). */
async function certificateFor(deps: AppDeps, nodeId: string, csr: string | undefined, seq: number): Promise<{ Certificate?: string; CACert?: string }> {
  if (csr === undefined) return {};
  const signed = await deps.keys.signNode({ nodeId, csr, seq });
  return { Certificate: signed.cert, CACert: signed.caCert };
}

/** Cluster settings; `version` (when given) must be the cluster's. Naming nothing appends nothing. */
export async function updateCluster(deps: AppDeps, actor: Actor, input: { request: SwarmUpdateRequest; version?: number }): Promise<void> {
  const f = fresh();
  await commitAs(deps, actor, (s) => decideUpdateCluster(s, input.request, input.version, f));
}

/**
 * `swarm join-token --rotate <role>`: the next generation's token (from the secret-store) replaces
 * the current one; only its hash is recorded. Nodes already joined are not affected.
 */
export async function rotateJoinToken(deps: AppDeps, actor: Actor, role: NodeRole): Promise<void> {
  const f = fresh();
  const current = requireCluster(stateOf(deps)).joinTokens;
  const next = { ...generationsOf(current), [role]: current[role].generation + 1 };
  const t = await deps.tokens.get(next, requireCluster(stateOf(deps)).caDigest);
  await commitAs(deps, actor, (s) => decideRotateJoinToken(s, role, { generation: next[role], tokenHash: joinTokenHash(t[role]) }, f));
}

function generationsOf(t: { worker: { generation: number }; manager: { generation: number } }): { worker: number; manager: number } {
  return { worker: t.worker.generation, manager: t.manager.generation };
}

export async function clusterInfo(deps: AppDeps): Promise<api.ClusterInfo> {
  const c = requireCluster(stateOf(deps));
  const tokens = await deps.tokens.get(generationsOf(c.joinTokens), c.caDigest);
  // Read after the tokens: the view is of the projection as it is now.
  const state = stateOf(deps);
  const cluster = requireCluster(state);
  return dockerSwarm(infoView(state, cluster, shownTokens(cluster, tokens)), cluster);
}

/** Docker's `Swarm.Cluster` of `/info` (no join tokens), or undefined before `swarm init`. */
export function dockerCluster(deps: AppDeps): Omit<api.ClusterInfo, "JoinTokens"> | undefined {
  const state = stateOf(deps);
  const cluster = state.cluster;
  if (!cluster) return undefined;
  const { JoinTokens: _tokens, ...info } = infoView(state, cluster, { worker: "", manager: "" });
  return dockerSwarm(info, cluster);
}

/**
 * The root CA certificate, for a joiner to check against its token's digest before trusting
 * anything: the one the log recorded at init, or — for a cluster initialised before it had a CA —
 * the secret-store's (the one its rotated tokens carry).
 */
export async function caInfo(deps: AppDeps): Promise<{ CACert: string; CADigest: string }> {
  const c = requireCluster(stateOf(deps));
  if (c.caCert && c.caDigest) return { CACert: c.caCert, CADigest: c.caDigest };
  const t = await deps.tokens.get(generationsOf(c.joinTokens), c.caDigest);
  return { CACert: t.caCert, CADigest: t.caDigest };
}

/** The cluster's view (503 before `swarm init`), for an adapter that translates a request against it. */
export function requireClusterOf(deps: AppDeps): ClusterView {
  return requireCluster(stateOf(deps));
}
