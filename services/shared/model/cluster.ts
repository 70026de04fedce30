import { z } from "zod";
import type { Slice } from "./slice.js";
import { unreachable } from "./slice.js";

/*
 * The cluster slice: the one cluster object (`swarm.evt.cluster.default`). Its join tokens are not
 * kept: this projection and its snapshots are every service's, the tokens are the api's alone
 * (the api reads them from the log: services/api/shell/join-tokens.ts).
 */

export interface ClusterView {
  id: string;
  heartbeatPeriodMs: number;
  taskHistoryLimit: number;
  /** Desired instances per control-plane service (`swarm control-plane scale`); absent = one per manager. */
  controlPlane?: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

export interface ClusterPart { cluster?: ClusterView }

const ClusterViewCodec = z.looseObject({
  id: z.string(), heartbeatPeriodMs: z.number(),
  taskHistoryLimit: z.number(), controlPlane: z.record(z.string(), z.number().int()).optional(),
  createdAt: z.string(), updatedAt: z.string(),
});

export const clusterSlice: Slice<"cluster", ClusterPart> = {
  kind: "cluster",
  init: () => ({}),
  apply(state, e) {
    const at = e.at;
    switch (e.type) {
      case "ClusterInitialized": {
        const d = e.data;
        state.cluster = {
          id: d.clusterId,
          heartbeatPeriodMs: d.heartbeatPeriodMs, taskHistoryLimit: d.taskHistoryLimit, controlPlane: {}, createdAt: at, updatedAt: at,
        };
        return;
      }
      case "ClusterUpdated": {
        const c = state.cluster;
        if (c) {
          state.cluster = {
            ...c, updatedAt: at,
            heartbeatPeriodMs: e.data.heartbeatPeriodMs ?? c.heartbeatPeriodMs,
            taskHistoryLimit: e.data.taskHistoryLimit ?? c.taskHistoryLimit,
            controlPlane: { ...c.controlPlane, ...e.data.controlPlane },
          };
        }
        return;
      }
      default:
        unreachable(e);
    }
  },
  codec: z.object({ cluster: ClusterViewCodec.optional() }),
  encode: (s) => (s.cluster ? { cluster: s.cluster } : {}),
  decode: (d) => (d.cluster ? { cluster: d.cluster as ClusterView } : {}),
};
