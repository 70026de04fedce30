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
  /** The root that signed the node's last certificate (its digest) and that certificate's expiry. */
  certCaDigest?: string;
  certNotAfter?: string;
  createdAt: string;
  updatedAt: string;
}

export interface NodePart { nodes: Map<string, NodeView> }

const NodeViewCodec = z.looseObject({
  id: z.string(), name: z.string(), role: NodeRole, availability: NodeAvailability,
  labels: z.record(z.string(), z.string()), description: NodeDescription.optional(), addr: z.string().optional(),
  state: NodeState, message: z.string(), certCaDigest: z.string().optional(), certNotAfter: z.string().optional(), createdAt: z.string(), updatedAt: z.string(),
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
      case "NodeCertificateIssued": {
        const n = state.nodes.get(e.data.nodeId);
        if (n) state.nodes.set(n.id, { ...n, certCaDigest: e.data.caDigest, certNotAfter: e.data.notAfter, updatedAt: at });
        return;
      }
      case "NodeSecretsRefused":
        return; // an audit record: the node's view does not change
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
