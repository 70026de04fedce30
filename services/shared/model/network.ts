import { z } from "zod";
import { NetworkSpec } from "../../../schemas/index.js";
import type { Slice, SliceEvent } from "./slice.js";
import { unreachable } from "./slice.js";

/* The network slice: every swarm network not removed, with what the allocator chose for it. */

export interface NetworkAllocationView {
  subnet: string;
  gateway: string;
  vni: number;
  mtu: number;
  ipRange?: string;
}

export interface NetworkView {
  id: string;
  spec: NetworkSpec;
  /** Absent until the allocator has given it a subnet and a VNI. */
  allocation?: NetworkAllocationView;
  /** Node id → that node's own gateway address on this network. */
  nodeGateways: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface NetworkPart { networks: Map<string, NetworkView> }

const ViewCodec = z.looseObject({
  id: z.string(), spec: NetworkSpec,
  allocation: z.looseObject({ subnet: z.string(), gateway: z.string(), vni: z.number().int(), mtu: z.number().int(), ipRange: z.string().optional() }).optional(),
  nodeGateways: z.record(z.string(), z.string()), createdAt: z.string(), updatedAt: z.string(),
});

export const networkSlice: Slice<"network", NetworkPart> = {
  kind: "network",
  init: () => ({ networks: new Map() }),
  apply(state, e: SliceEvent<"network">) {
    const at = e.at;
    const n = state.networks.get(e.data.networkId);
    switch (e.type) {
      case "NetworkCreated":
        state.networks.set(e.data.networkId, { id: e.data.networkId, spec: e.data.spec, nodeGateways: {}, createdAt: at, updatedAt: at });
        return;
      case "NetworkRemoved":
        state.networks.delete(e.data.networkId);
        return;
      case "NetworkAllocated": {
        if (!n) return;
        const { subnet, gateway, vni, mtu, ipRange } = e.data;
        state.networks.set(n.id, { ...n, allocation: { subnet, gateway, vni, mtu, ...(ipRange ? { ipRange } : {}) }, updatedAt: at });
        return;
      }
      case "NetworkNodeAttached":
        if (n) state.networks.set(n.id, { ...n, nodeGateways: { ...n.nodeGateways, [e.data.nodeId]: e.data.gateway }, updatedAt: at });
        return;
      default:
        unreachable(e);
    }
  },
  codec: z.object({ networks: z.array(ViewCodec) }),
  encode: (s) => ({ networks: [...s.networks.values()] }),
  decode: (d) => ({ networks: new Map((d.networks as NetworkView[]).map((v) => [v.id, v])) }),
};
