import type { Filter } from "./filter.js";
import { nodes } from "./filter.js";

/** Filter 1: the node is up (status ready) and takes new tasks (availability active). */
export const readyFilter: Filter = {
  name: "ready",
  enabled: () => true,
  check: (_t, n) => n.node.state === "ready" && n.node.availability === "active",
  explain: (count) => `${nodes(count)} not available for new tasks`,
};
