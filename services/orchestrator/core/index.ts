export { plan, nextWakeup } from "./plan.js";
export { restartPolicy, type Policy } from "./restart.js";
export { DEFAULT_TASK_HISTORY_LIMIT } from "./reaper.js";
export type { IdFor } from "./draft.js";
