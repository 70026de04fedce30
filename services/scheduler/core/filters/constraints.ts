import { matchAll } from "../../../shared/model/index.js";
import type { Filter } from "./filter.js";
import { nodes } from "./filter.js";

/** Filter 4: every hard placement constraint matches (soft ones only order the choice). */
export const constraintFilter: Filter = {
  name: "constraints",
  enabled: (t) => t.constraints.some((c) => !c.soft),
  check: (t, n) => matchAll(t.constraints.filter((c) => !c.soft), n.node),
  explain: (count) => `scheduling constraints not satisfied on ${nodes(count)}`,
};
