import { z } from "zod";
import type { Slice } from "./slice.js";
import { unreachable } from "./slice.js";

/*
 * The cluster slice: the one cluster object (`swarm.evt.cluster.default`). No join token is in the
 * log or here, only each role's current token hash and generation (the secret-store derives the
 * token of a generation; the api compares a presented token's hash in constant time).
 */

/** A role's current join token, as the log knows it. */
export interface JoinTokenState { hash: string; generation: number }

export interface ClusterView {
  id: string;
  heartbeatPeriodMs: number;
  taskHistoryLimit: number;
  /** Desired instances per control-plane service (`swarm control-plane scale`); absent = one per manager. */
  controlPlane?: Record<string, number>;
  joinTokens: { worker: JoinTokenState; manager: JoinTokenState };
  /** The root CA certificate (PEM) and its token digest; absent for a cluster initialised before the CA existed. */
  caCert?: string;
  caDigest?: string;
  /** Validity of the node certificates the CA signs; absent: 90 days. */
  nodeCertExpiryMs?: number;
  /** Overlay subnet pools (`swarm init --default-addr-pool`) and the prefix length cut from them; absent: 10.0.0.0/8 and 24. */
  defaultAddrPool?: string[];
  subnetSize?: number;
  /** Autolock is on: the check value of the current unlock key (never the key). */
  autolockKeyCheck?: string;
  /** A root rotation under way (`swarm ca --rotate`): the new root and its cross-signed intermediate. */
  caRotation?: CaRotationView;
  createdAt: string;
  updatedAt: string;
}

export interface CaRotationView { caCert: string; caDigest: string; crossSigned: string; startedAt: string }

export interface ClusterPart { cluster?: ClusterView }

const ClusterViewCodec = z.looseObject({
  id: z.string(), heartbeatPeriodMs: z.number(),
  taskHistoryLimit: z.number(), controlPlane: z.record(z.string(), z.number().int()).optional(),
  joinTokens: z.object({
    worker: z.object({ hash: z.string(), generation: z.number().int() }),
    manager: z.object({ hash: z.string(), generation: z.number().int() }),
  }),
  caCert: z.string().optional(), caDigest: z.string().optional(), nodeCertExpiryMs: z.number().optional(),
  defaultAddrPool: z.array(z.string()).optional(), subnetSize: z.number().int().optional(),
  autolockKeyCheck: z.string().optional(),
  caRotation: z.object({ caCert: z.string(), caDigest: z.string(), crossSigned: z.string(), startedAt: z.string() }).optional(),
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
          heartbeatPeriodMs: d.heartbeatPeriodMs, taskHistoryLimit: d.taskHistoryLimit, controlPlane: {},
          joinTokens: { worker: { hash: d.workerTokenHash, generation: 1 }, manager: { hash: d.managerTokenHash, generation: 1 } },
          ...(d.caCert ? { caCert: d.caCert } : {}), ...(d.caDigest ? { caDigest: d.caDigest } : {}),
          ...(d.nodeCertExpiryMs ? { nodeCertExpiryMs: d.nodeCertExpiryMs } : {}),
          ...(d.defaultAddrPool ? { defaultAddrPool: d.defaultAddrPool } : {}), ...(d.subnetSize ? { subnetSize: d.subnetSize } : {}),
          createdAt: at, updatedAt: at,
        };
        return;
      }
      case "ClusterJoinTokenRotated": {
        const c = state.cluster;
        if (c) {
          const token = { hash: e.data.tokenHash, generation: e.data.generation };
          state.cluster = { ...c, updatedAt: at, joinTokens: { ...c.joinTokens, [e.data.role]: token } };
        }
        return;
      }
      case "ClusterAutolockChanged": {
        const c = state.cluster;
        if (c) {
          const { autolockKeyCheck: _, ...rest } = c;
          state.cluster = { ...rest, updatedAt: at, ...(e.data.keyCheck ? { autolockKeyCheck: e.data.keyCheck } : {}) };
        }
        return;
      }
      case "ClusterCaRotationStarted": {
        const c = state.cluster;
        const { caCert, caDigest, crossSigned } = e.data;
        if (c) state.cluster = { ...c, updatedAt: at, caRotation: { caCert, caDigest, crossSigned, startedAt: at } };
        return;
      }
      case "ClusterCaRotationCompleted": {
        const c = state.cluster;
        // Lenient: a completion of another rotation than the one under way changes nothing.
        if (c?.caRotation?.caDigest === e.data.caDigest) {
          const { caRotation, ...rest } = c;
          const joinTokens = {
            worker: { ...c.joinTokens.worker, hash: e.data.workerTokenHash },
            manager: { ...c.joinTokens.manager, hash: e.data.managerTokenHash },
          };
          state.cluster = { ...rest, updatedAt: at, caCert: caRotation.caCert, caDigest: caRotation.caDigest, joinTokens };
        }
        return;
      }
      case "ClusterUpdated": {
        const c = state.cluster;
        if (c) {
          state.cluster = {
            ...c, updatedAt: at,
            heartbeatPeriodMs: e.data.heartbeatPeriodMs ?? c.heartbeatPeriodMs,
            taskHistoryLimit: e.data.taskHistoryLimit ?? c.taskHistoryLimit,
            ...(e.data.nodeCertExpiryMs ? { nodeCertExpiryMs: e.data.nodeCertExpiryMs } : {}),
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
