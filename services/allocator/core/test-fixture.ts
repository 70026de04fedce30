import type { PlannedEvent, TaskView } from "../../shared/model/index.js";
import { GivenCluster, isBatch, membersOf, toAppend } from "../../shared/model/index.js";
import type { Envelope, NetworkSpec, ServiceSpec } from "../../../schemas/index.js";
import { ReleaseLedger } from "./ledger.js";
import { plan, type AllocationPlan } from "./plan.js";

/*
 * Given/when/then for the allocator's planner: the shared GivenCluster (a state folded with
 * `evolve`, on a test clock), the release ledger fed the same events (as the informer's listener
 * does). Test-only.
 */

export const Q = 60_000;

export class Given extends GivenCluster {
  readonly ledger = new ReleaseLedger();

  network(id: string, spec: Partial<NetworkSpec> = {}): this {
    return this.event("NetworkCreated", "network", id, { networkId: id, spec: { Name: id, Driver: "overlay", ...spec } });
  }

  node(id: string, addr = `192.168.0.${this.state.nodes.size + 1}`): this {
    this.event("NodeJoined", "node", id, { nodeId: id, name: id, role: "worker", availability: "active" });
    this.event("NodeRegistered", "node", id, { nodeId: id, addr, description: { hostname: id, os: "linux", architecture: "x86_64", nanoCpus: 1e9, memoryBytes: 1e9, engineVersion: "27", engineLabels: {} } });
    return this.event("NodeStatusChanged", "node", id, { nodeId: id, state: "ready", message: "" });
  }

  service(id: string, extra: Partial<ServiceSpec> & { networks?: string[] } = {}): this {
    const { networks, ...rest } = extra;
    const spec: ServiceSpec = {
      Name: id, ...rest,
      TaskTemplate: { ContainerSpec: { Image: "busybox" }, ...(networks ? { Networks: networks.map((Target) => ({ Target })) } : {}) },
    };
    const type = this.state.services.has(id) ? "ServiceUpdated" : "ServiceCreated";
    return this.event(type, "service", id, { serviceId: id, spec });
  }

  /** Tasks `<service>.<slot>` in state `new` (as the orchestrator creates them for such a service). */
  tasks(serviceId: string, slots: number[], nodeId?: string): this {
    const s = this.state.services.get(serviceId)!;
    for (const slot of slots) {
      const taskId = `${serviceId}.${slot}`;
      this.event("TaskCreated", "task", taskId, {
        taskId, serviceId, serviceName: s.spec.Name, slot, spec: s.spec.TaskTemplate, specVersion: s.specVersion,
        desiredState: "running", state: "new", ...(nodeId ? { nodeId } : {}),
      });
    }
    return this;
  }

  /** Runs the planner and folds what it decided, as a committed pass would. */
  pass(): AllocationPlan {
    const r = this.plan();
    for (const p of r.events) this.commit(p);
    return r;
  }

  plan(): AllocationPlan {
    return plan(this.state, this.now, this.ledger, { quarantineMs: Q });
  }

  commit(p: PlannedEvent): this {
    return this.fold(toAppend(p, { actor: { kind: "service", id: "allocator-1" }, now: this.now }, `m${this.state.seq + 1}`).event);
  }

  task(id: string): TaskView {
    return this.state.tasks.get(id)!;
  }

  protected override fold(event: Envelope): this {
    for (const m of isBatch(event) ? membersOf(event) : [event]) this.ledger.observe(m);
    return super.fold(event);
  }
}

/** The members a pass decided, by batch type. */
export function members(r: AllocationPlan): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const p of r.events) {
    const d = p.data as Record<string, unknown[]>;
    out[p.type] = [...(out[p.type] ?? []), ...(d.networks ?? d.services ?? d.allocations ?? d.attachments ?? [])];
  }
  return out;
}
