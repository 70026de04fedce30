import type { Filter } from "./filter.js";
import { nodes } from "./filter.js";

/** Filter 2: the task's reservations fit in what the node has left (total − reserved by its tasks). */
export const resourcesFilter: Filter = {
  name: "resources",
  enabled: (t) => t.nanoCpus > 0 || t.memoryBytes > 0,
  check: (t, n) =>
    t.nanoCpus <= n.totalCpus - n.reservedCpus && t.memoryBytes <= n.totalMemory - n.reservedMemory,
  explain: (count) => `insufficient resources on ${nodes(count)}`,
};
