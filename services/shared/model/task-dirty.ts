import type { ServiceView } from "./service.js";
import type { TaskView } from "./task.js";

/*
 * Task dirtiness (reference §3.7), one rule for the two readers that need it: the orchestrator's
 * updater (which tasks to replace) and the api's `_up-to-date` task filter (the CLI's progress
 * display). Swarm's `IsTaskDirty`: a change of replicas, labels or update config leaves tasks
 * up to date; a ForceUpdate bump dirties every one.
 */

/** Deep equality of JSON values; an absent key equals an undefined one. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameJson(x, b[i]));
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!sameJson(ra[k], rb[k])) return false;
  return true;
}

/**
 * A task needs replacing iff its spec version differs from the service's AND its TaskSpec differs
 * from the service's TaskTemplate (the version check first: it is the cheap, common answer).
 */
export function isTaskDirty(t: TaskView, svc: ServiceView): boolean {
  return t.specVersion !== svc.specVersion && !sameJson(t.spec, svc.spec.TaskTemplate);
}
