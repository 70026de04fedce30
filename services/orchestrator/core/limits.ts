import type { ServiceView, TaskView } from "../../shared/model/index.js";
import { plan, versionOf } from "../../shared/model/index.js";
import { desiredReplicas, jobMode, subjects, type SpecLimits } from "../../../schemas/index.js";
import type { Draft } from "./draft.js";

/*
 * A spec the api would refuse today may already be in the log (appended before the limit
 * existed): the fold keeps it (evolve is lenient), and the orchestrator must not act on it — a
 * billion replicas would be planned on every pass, and every restart, out of memory. Such a
 * service is held: nothing is created, restarted or scaled, and its update status says why
 * (`paused`, so `service inspect` shows it); any update (the fold resets the status) resumes it.
 */

/** Why the orchestrator will not act on `svc`, or undefined when its spec is within the limits. */
export function overLimit(svc: ServiceView, limits: SpecLimits): string | undefined {
  const replicas = desiredReplicas(svc.spec) ?? jobMode(svc.spec)?.totalCompletions;
  if (replicas === undefined || replicas <= limits.maxReplicas) return undefined;
  return `${HELD}${replicas} replicas is over the limit of ${limits.maxReplicas} replicas per service; update the service to resume`;
}

const HELD = "service paused: ";
const MINUTE_MS = 60_000;

/**
 * The restart budget: restarts of the service's tasks (a replacement of a task of the same spec
 * version; an update's replacements do not count) created in the last minute. Counted from the
 * projection, where the reaper keeps a slot's last few tasks only: a lower bound of the true rate,
 * exact for services with more slots than restarts. Once hit, the service stays held until an
 * update (a new spec version; the fold resets its status).
 */
export function overBudget(svc: ServiceView, tasks: readonly TaskView[], now: Date, limits: SpecLimits, byId: ReadonlyMap<string, TaskView>): string | undefined {
  const cur = svc.updateStatus;
  if (cur?.state === "paused" && cur.message.startsWith(HELD)) return cur.message;
  const since = now.getTime() - MINUTE_MS;
  const restarts = tasks.filter((t) => t.specVersion === svc.specVersion && t.replaces !== undefined &&
    byId.get(t.replaces)?.specVersion === svc.specVersion && Date.parse(t.createdAt) >= since).length;
  if (restarts < limits.maxRestartsPerMinute) return undefined;
  return `${HELD}${restarts} restarts in the last minute reached the limit of ${limits.maxRestartsPerMinute} per service (a restart storm); ` +
    "update the service to resume";
}

/** Records `message` as the service's paused status, once (an unchanged status appends nothing). */
export function holdService(d: Draft, svc: ServiceView, message: string): void {
  const cur = svc.updateStatus;
  if (cur?.state === "paused" && cur.message === message) return;
  const expect = versionOf(d.state, subjects.event("service", svc.id));
  d.emit(plan("ServiceUpdateStatusChanged", "service", svc.id, { serviceId: svc.id, state: "paused", message }, expect, `held:${svc.specVersion}`));
}
