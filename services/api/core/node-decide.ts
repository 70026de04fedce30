import { z } from "zod";
import { NodeAvailability, NodeRole, subjects } from "../../../schemas/index.js";
import type { ClusterState, NodeView, PlannedEvent } from "../../shared/model/index.js";
import { failedPrecondition, invalidArgument, SwarmError } from "../../shared/errors/index.js";
import { plan, versionOf } from "../../shared/model/index.js";
import { MESSAGES, requireCluster } from "./decide.js";
import { findNode } from "./lookup.js";

/*
 * Node lifecycle deciders (`swarm node update/promote/demote/rm`): request + projection → planned
 * events or a SwarmError in Swarm's words (reference §10 node, "Common API errors").
 */

/** Docker's NodeSpec, the body of `POST /nodes/{id}/update?version=N`. */
export const NodeSpecRequest = z.strictObject({
  Name: z.string().optional(),
  Labels: z.record(z.string().min(1, "label key must not be empty"), z.string()).optional(),
  Role: NodeRole,
  Availability: NodeAvailability,
});
export type NodeSpecRequest = z.infer<typeof NodeSpecRequest>;

const FP = "rpc error: code = FailedPrecondition desc = ";

export const NODE_MESSAGES = {
  lastManager: `${FP}attempting to demote the last manager of the swarm`,
  isManager: (id: string) =>
    `${FP}node ${id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`,
  notDown: (id: string) => `${FP}node ${id} is not down and can't be removed`,
} as const;

function managersOtherThan(state: ClusterState, id: string): number {
  let n = 0;
  for (const node of state.nodes.values()) if (node.id !== id && node.role === "manager") n++;
  return n;
}

function nodeVersion(state: ClusterState, n: NodeView): number {
  return versionOf(state, subjects.event("node", n.id));
}

/** `node update`, `promote`, `demote`: the whole spec, at the version the client read. */
export function decideUpdateNode(
  state: ClusterState, ref: string, version: number, spec: NodeSpecRequest, requestId: string,
): PlannedEvent[] {
  requireCluster(state);
  const n = findNode(state, ref);
  const current = nodeVersion(state, n);
  if (version !== current) throw new SwarmError("conflict", MESSAGES.outOfSequence);
  if (spec.Name !== undefined && spec.Name !== n.name) throw invalidArgument("changing Name is not supported yet");
  if (n.role === "manager" && spec.Role === "worker" && managersOtherThan(state, n.id) === 0) {
    throw failedPrecondition(NODE_MESSAGES.lastManager);
  }
  const data = { nodeId: n.id, role: spec.Role, availability: spec.Availability, labels: spec.Labels ?? {} };
  return [plan("NodeUpdated", "node", n.id, data, current, `node-update:${requestId}`)];
}

/** `node rm [-f]`: a manager never (demote it first); a ready node only with force. */
export function decideRemoveNode(state: ClusterState, ref: string, force: boolean, requestId: string): PlannedEvent[] {
  requireCluster(state);
  const n = findNode(state, ref);
  if (n.role === "manager") throw failedPrecondition(NODE_MESSAGES.isManager(n.id));
  if (!force && n.state === "ready") throw failedPrecondition(NODE_MESSAGES.notDown(n.id));
  return [plan("NodeRemoved", "node", n.id, { nodeId: n.id, name: n.name }, nodeVersion(state, n), `node-rm:${requestId}`)];
}
