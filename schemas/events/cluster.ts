import { z } from "zod";
import { aggregate } from "./entry.js";

/* The cluster: one aggregate, on `swarm.evt.cluster.default` (its `clusterId` is not the subject's id). */

export const ClusterInitialized = z.object({
  clusterId: z.string(),
  workerToken: z.string(),
  managerToken: z.string(),
  heartbeatPeriodMs: z.number().int().positive(),
  taskHistoryLimit: z.number().int(),
});
/** `swarm update`. */
export const ClusterUpdated = z.object({
  heartbeatPeriodMs: z.number().int().positive().optional(),
  taskHistoryLimit: z.number().int().optional(),
  /**
   * `swarm control-plane scale`: the desired number of instances of the services it names (the
   * others keep theirs); every manager's supervisor runs its share.
   */
  controlPlane: z.record(z.string(), z.number().int().positive()).optional(),
});

export const CLUSTER_EVENTS = aggregate("cluster", undefined, {
  ClusterInitialized: { data: ClusterInitialized, producer: "api", actsFor: "user" },
  ClusterUpdated: { data: ClusterUpdated, producer: "api", actsFor: "user" },
});
