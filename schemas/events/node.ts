import { z } from "zod";
import { NodeAvailability, NodeRole, NodeState } from "../primitives.js";
import { aggregate } from "./entry.js";

/* A node, on `swarm.evt.node.<nodeId>`. */

/** A join with a valid token. */
export const NodeJoined = z.object({
  nodeId: z.string(),
  name: z.string(),
  role: NodeRole,
  availability: NodeAvailability,
});
export const NodeDescription = z.object({
  hostname: z.string(),
  os: z.string(),
  architecture: z.string(),
  nanoCpus: z.number().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  engineVersion: z.string(),
  engineLabels: z.record(z.string(), z.string()).default({}),
  /** Images present on the node's engine (repo:tag), so the scheduler can prefer them. */
  images: z.array(z.string()).optional(),
});
export type NodeDescription = z.infer<typeof NodeDescription>;
export const NodeRegistered = z.object({ nodeId: z.string(), description: NodeDescription, addr: z.string() });
export const NodeStatusChanged = z.object({ nodeId: z.string(), state: NodeState, message: z.string() });
/** The node's spec as `swarm node update/promote/demote` leave it. */
export const NodeUpdated = z.object({
  nodeId: z.string(),
  role: NodeRole,
  availability: NodeAvailability,
  labels: z.record(z.string(), z.string()),
});
/** `swarm node rm`. */
export const NodeRemoved = z.object({ nodeId: z.string() });

/**
 * The secret-store refused a node's request for a task's secrets (not its task, not in a state that
 * may receive them, a version not stored): an audit record only, rate-limited per node.
 */
export const NodeSecretsRefused = z.object({ nodeId: z.string(), taskId: z.string(), reason: z.string() });

/**
 * The CA signed a certificate for the node (at its join, or a renewal): which root signed it (the
 * digest of that root) and until when it is valid. A CA rotation completes when every node has one
 * of the new root.
 */
export const NodeCertificateIssued = z.object({ nodeId: z.string(), caDigest: z.string(), notAfter: z.string() });

export const NODE_EVENTS = aggregate("node", "nodeId", {
  NodeJoined: { data: NodeJoined, producer: "api", actsFor: "user" },
  NodeRegistered: { data: NodeRegistered, producer: "dispatcher", actsFor: "node" },
  NodeStatusChanged: { data: NodeStatusChanged, producer: "dispatcher", actsFor: "node" },
  NodeUpdated: { data: NodeUpdated, producer: "api", actsFor: "user" },
  NodeRemoved: { data: NodeRemoved, producer: "api", actsFor: "user" },
  NodeSecretsRefused: { data: NodeSecretsRefused, producer: "secret-store", actsFor: "node" },
  NodeCertificateIssued: { data: NodeCertificateIssued, producer: "secret-store", actsFor: "node" },
});
