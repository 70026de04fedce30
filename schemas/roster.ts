/*
 * The control plane's roster: every service of DESIGN §1, how its instances share the work, and
 * whether `swarm control-plane scale` may change its count. The CLI, the launcher, membership,
 * `control-plane scale` and the audit's producer checks all read this one table.
 */

export const OWNERSHIP = { all: "all", partitioned: "partitioned", lease: "lease" } as const;
export type OwnershipKind = (typeof OWNERSHIP)[keyof typeof OWNERSHIP];

export interface RosterEntry {
  /** How instances share the work (DESIGN §5): every instance, a partition of the keys, or one lease holder. */
  ownership: OwnershipKind;
  /** `swarm control-plane scale` may set its count (the api runs once per manager instead). */
  scalable: boolean;
  /** Keys a partitioned service is partitioned by (shown by `control-plane ls`). */
  partitionKind?: "service" | "node";
}

export const ROSTER = {
  api: { ownership: "all", scalable: false },
  orchestrator: { ownership: "partitioned", scalable: true, partitionKind: "service" },
  scheduler: { ownership: "lease", scalable: true },
  dispatcher: { ownership: "partitioned", scalable: true, partitionKind: "node" },
  "secret-store": { ownership: "all", scalable: true },
  allocator: { ownership: "lease", scalable: true },
} as const satisfies Record<string, RosterEntry>;

export type ControlPlaneService = keyof typeof ROSTER;
export const CONTROL_PLANE_SERVICES = Object.keys(ROSTER) as ControlPlaneService[];
export const SCALABLE_SERVICES = CONTROL_PLANE_SERVICES.filter((s) => ROSTER[s].scalable);
/** Every process `swarm run` can start: the control plane and the node agent. */
export const RUNNABLE = [...CONTROL_PLANE_SERVICES, "agent"] as const;
