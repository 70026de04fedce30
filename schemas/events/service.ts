import { z } from "zod";
import { ServiceSpec } from "../specs.js";
import { aggregate } from "./entry.js";
import { ServiceAllocated } from "./network.js";

/* A service, on `swarm.evt.service.<serviceId>`. */

export const ServiceCreated = z.object({ serviceId: z.string(), spec: ServiceSpec });
export const ServiceUpdated = z.object({ serviceId: z.string(), spec: ServiceSpec });
/** `name`: the service's, so a reader of the log from a later point (Docker's `events --since`) can name it; absent in older events. */
export const ServiceRemoved = z.object({ serviceId: z.string(), name: z.string().optional() });
/** Manual rollback (`service rollback`, `update --rollback`): spec and previous spec swap. */
export const ServiceRollbackRequested = z.object({ serviceId: z.string() });

export const UpdateState = z.enum(["updating", "paused", "completed", "rollback_started", "rollback_paused", "rollback_completed"]);
export type UpdateState = z.infer<typeof UpdateState>;
/** Progress of a rolling update or rollback (the orchestrator's updater). */
export const ServiceUpdateStatusChanged = z.object({ serviceId: z.string(), state: UpdateState, message: z.string() });
/**
 * Automatic rollback after failures (failure action `rollback`): spec ← previous spec, previous
 * spec cleared, status rollback_started with `message` (the orchestrator's updater).
 */
export const ServiceUpdateRolledBack = z.object({ serviceId: z.string(), message: z.string() });

export const SERVICE_EVENTS = aggregate("service", "serviceId", {
  ServiceCreated: { data: ServiceCreated, producer: "api", actsFor: "user" },
  ServiceUpdated: { data: ServiceUpdated, producer: "api", actsFor: "user" },
  ServiceRemoved: { data: ServiceRemoved, producer: "api", actsFor: "user" },
  ServiceRollbackRequested: { data: ServiceRollbackRequested, producer: "api", actsFor: "user" },
  ServiceUpdateStatusChanged: { data: ServiceUpdateStatusChanged, producer: "orchestrator" },
  ServiceUpdateRolledBack: { data: ServiceUpdateRolledBack, producer: "orchestrator" },
  /** Member of ServicesAllocated (network.ts): the service's VIPs and ports. */
  ServiceAllocated: { data: ServiceAllocated, producer: "allocator" },
});
