import { startController } from "../shared/reconcile/index.js";
import { type LeaseOptions, type MemberStatus } from "../shared/instances/index.js";
import { type ServiceDeps } from "../shared/runtime/index.js";

/** The one work key: every pass looks at the whole projection (one active allocator, lease). */
const PASS = "allocate";

export interface AllocatorOptions {
  /** Lease timings (DESIGN §5: one active allocator, standbys ready). */
  lease?: Pick<LeaseOptions, "ttlMs" | "renewMs" | "retryMs">;
}

/**
 * The allocator (DESIGN §6b): IPAM for swarm networks. CONTRACT SKELETON — it holds the lease and
 * follows the log but allocates nothing yet; the allocator part of issue #17 gives it its planner
 * (networks' subnets and VNIs, nodes' gateways, services' VIPs and ports, tasks' addresses) and the
 * networks' maps for the agents.
 */
export async function start(deps: ServiceDeps, opts: AllocatorOptions = {}): Promise<{ stop(): Promise<void>; status(): MemberStatus }> {
  const ctl = await startController(deps, {
    service: "allocator", ownershipOptions: { lease: opts.lease },
    keysOf: () => [PASS],
    keysOfEvent: () => [],
    plan: () => [],
    resyncMs: 10_000,
    queue: { debounceMs: 20 },
  });
  ctl.log.info("allocator running", { seq: ctl.informer.seq, active: ctl.ownership.active });
  return { status: () => ctl.status(), stop: () => ctl.stop() };
}
