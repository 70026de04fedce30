import type { Filter } from "./filter.js";

/** Filter 7: fewer than Placement.MaxReplicas active tasks of this service on the node. */
export const maxReplicasFilter: Filter = {
  name: "max-replicas",
  enabled: (t) => (t.spec.Placement?.MaxReplicas ?? 0) > 0,
  check: (t, n) => n.serviceCount(t.serviceId) < (t.spec.Placement?.MaxReplicas ?? 0),
  // Swarm's wording carries no count.
  explain: () => "max replicas per node limit exceed",
};
