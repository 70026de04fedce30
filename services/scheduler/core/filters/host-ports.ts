import type { Filter } from "./filter.js";
import { nodes } from "./filter.js";

/** Filter 6: none of the task's fixed host-mode ports (protocol, port) is held on the node. */
export const hostPortFilter: Filter = {
  name: "host-ports",
  enabled: (t) => t.hostPorts.length > 0,
  check: (t, n) => t.hostPorts.every((p) => !n.hostPorts.has(p)),
  explain: (count) => `host-mode port already in use on ${nodes(count)}`,
};
