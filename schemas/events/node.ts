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
  /** The engine's storage driver and the host's kernel (Docker's `/info` `Driver`, `KernelVersion`): classic Swarm's `storagedriver`/`kernelversion` constraints. Absent from older agents' registrations. */
  storageDriver: z.string().optional(),
  kernelVersion: z.string().optional(),
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
/** `swarm node rm`. `name`: the node's, so a reader of the log from a later point (Docker's `events --since`) can name it; absent in older events. */
export const NodeRemoved = z.object({ nodeId: z.string(), name: z.string().optional() });

/**
 * The secret-store refused a node's request for a task's secrets (not its task, not in a state that
 * may receive them, a version not stored): an audit record only, rate-limited per node.
 */
export const NodeSecretsRefused = z.object({ nodeId: z.string(), taskId: z.string(), reason: z.string() });

/**
 * The CA signed a certificate for the node (DESIGN §6): at its join (`join`) or when its agent
 * renewed it (`renewal`: half to four fifths of its life gone, the cluster's `--cert-expiry` or the
 * node's role changed, or the trust root moved). Every issuance is in the log, never the key.
 * `issuerSubject` and `issuerPublicKey` are base64 DER (Docker's `TLSInfo.CertIssuerSubject`/`…PublicKey`).
 */
export const NodeCertificateIssued = z.object({
  nodeId: z.string(),
  reason: z.enum(["join", "renewal"]),
  role: NodeRole,
  /** The certificate's serial (hex) and its sha256 fingerprint (hex). */
  serial: z.string(),
  fingerprint: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  issuerSubject: z.string(),
  issuerPublicKey: z.string(),
  /** The digest of the root that signed it (a CA rotation completes when every node has one of the new root). */
  caDigest: z.string().optional(),
});

export const NODE_EVENTS = aggregate("node", "nodeId", {
  NodeJoined: { data: NodeJoined, producer: "api", actsFor: "user" },
  NodeRegistered: { data: NodeRegistered, producer: "dispatcher", actsFor: "node" },
  NodeStatusChanged: { data: NodeStatusChanged, producer: "dispatcher", actsFor: "node" },
  NodeUpdated: { data: NodeUpdated, producer: "api", actsFor: "user" },
  NodeRemoved: { data: NodeRemoved, producer: "api", actsFor: "user" },
  NodeSecretsRefused: { data: NodeSecretsRefused, producer: "secret-store", actsFor: "node" },
  NodeCertificateIssued: { data: NodeCertificateIssued, producer: "secret-store", actsFor: "node" },
});
