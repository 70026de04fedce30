import { z } from "zod";
import { NodeAvailability, NodeDescription, NodeRole, NodeState } from "../../../schemas/index.js";
import type { Slice } from "./slice.js";
import { unreachable } from "./slice.js";

/* The node slice: every node that joined and was not removed. */

export interface NodeView {
  id: string;
  name: string;
  role: NodeRole;
  availability: NodeAvailability;
  labels: Record<string, string>;
  description?: NodeDescription;
  addr?: string;
  state: NodeState;
  message: string;
  /** The node's current certificate as the CA last issued it (`NodeCertificateIssued`). */
  certificate?: NodeCertificate;
  createdAt: string;
  updatedAt: string;
}

export interface NodeCertificate {
  serial: string;
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  issuerSubject: string;
  issuerPublicKey: string;
  /** The digest of the root that signed it (absent in issuances recorded before root rotation). */
  caDigest?: string;
}

export interface NodePart { nodes: Map<string, NodeView> }

const NodeViewCodec = z.looseObject({
  id: z.string(), name: z.string(), role: NodeRole, availability: NodeAvailability,
  labels: z.record(z.string(), z.string()), description: NodeDescription.optional(), addr: z.string().optional(),
  state: NodeState, message: z.string(), createdAt: z.string(), updatedAt: z.string(),
  certificate: z.object({
    serial: z.string(), fingerprint: z.string(), notBefore: z.string(), notAfter: z.string(), issuerSubject: z.string(), issuerPublicKey: z.string(),
    caDigest: z.string().optional(),
  }).optional(),
});

export const nodeSlice: Slice<"node", NodePart> = {
  kind: "node",
  init: () => ({ nodes: new Map() }),
  apply(state, e) {
    const at = e.at;
    switch (e.type) {
      case "NodeJoined": {
        const d = e.data;
        state.nodes.set(d.nodeId, {
          id: d.nodeId, name: d.name, role: d.role, availability: d.availability, labels: {},
          state: "unknown", message: "", createdAt: at, updatedAt: at,
        });
        return;
      }
      case "NodeRegistered": {
        const n = state.nodes.get(e.data.nodeId);
        if (n) state.nodes.set(n.id, { ...n, description: e.data.description, addr: e.data.addr, updatedAt: at });
        return;
      }
      case "NodeStatusChanged": {
        const n = state.nodes.get(e.data.nodeId);
        if (n) state.nodes.set(n.id, { ...n, state: e.data.state, message: e.data.message, updatedAt: at });
        return;
      }
      case "NodeUpdated": {
        const n = state.nodes.get(e.data.nodeId);
        if (n) state.nodes.set(n.id, { ...n, role: e.data.role, availability: e.data.availability, labels: e.data.labels, updatedAt: at });
        return;
      }
      case "NodeSecretsRefused":
        return; // an audit record: the node's view does not change
      case "NodeCertificateIssued": {
        const n = state.nodes.get(e.data.nodeId);
        const { serial, fingerprint, notBefore, notAfter, issuerSubject, issuerPublicKey, caDigest } = e.data;
        const certificate = { serial, fingerprint, notBefore, notAfter, issuerSubject, issuerPublicKey, ...(caDigest ? { caDigest } : {}) };
        if (n) state.nodes.set(n.id, { ...n, certificate, updatedAt: at });
        return;
      }
      case "NodeRemoved":
        state.nodes.delete(e.data.nodeId);
        return;
      default:
        unreachable(e);
    }
  },
  codec: z.object({ nodes: z.array(NodeViewCodec) }),
  encode: (s) => ({ nodes: [...s.nodes.values()] }),
  decode: (d) => ({ nodes: new Map((d.nodes as NodeView[]).map((n) => [n.id, n])) }),
};
