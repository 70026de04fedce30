import type { TaskView } from "../../shared/model/index.js";
import { GivenCluster, tasksOfService } from "../../shared/model/index.js";
import { toAppend, type PlannedEvent } from "../../shared/model/index.js";
import type { NodeAvailability, NodeState, RestartPolicy, ServiceSpec } from "../../../schemas/index.js";
import { plan } from "./plan.js";

/*
 * Given/when/then for the planner: the shared GivenCluster (a state folded with `evolve`, as the
 * informer builds it, on a test clock) with the orchestrator's steps. Test-only.
 */

export const idFor = (seed: string) => `t-${seed}`;
const actor = { kind: "user", id: "test" } as const;

export class Given extends GivenCluster {
  service(id: string, replicas: number, restart?: RestartPolicy): this {
    return this.event("ServiceCreated", "service", id, { serviceId: id, spec: spec(id, replicas, restart) });
  }

  scale(id: string, replicas: number, restart?: RestartPolicy): this {
    return this.event("ServiceUpdated", "service", id, { serviceId: id, spec: spec(id, replicas, restart) });
  }

  /** A `service update`: the current spec with `patch` applied (TaskTemplate merged one level). */
  update(id: string, patch: Partial<ServiceSpec> & { Image?: string }): this {
    const cur = this.state.services.get(id)!.spec;
    const { Image, ...rest } = patch;
    const TaskTemplate = { ...cur.TaskTemplate, ...(patch.TaskTemplate ?? {}) };
    if (Image) TaskTemplate.ContainerSpec = { ...TaskTemplate.ContainerSpec, Image };
    return this.event("ServiceUpdated", "service", id, { serviceId: id, spec: { ...cur, ...rest, TaskTemplate } });
  }

  /** `service rollback` as the api records it. */
  rollback(id: string): this {
    return this.event("ServiceRollbackRequested", "service", id, { serviceId: id });
  }

  removeService(id: string): this {
    return this.event("ServiceRemoved", "service", id, { serviceId: id });
  }

  node(id: string, state: NodeState = "ready", availability: NodeAvailability = "active"): this {
    if (!this.state.nodes.has(id)) this.event("NodeJoined", "node", id, { nodeId: id, name: id, role: "worker", availability });
    return this.event("NodeStatusChanged", "node", id, { nodeId: id, state, message: "" });
  }

  /** Replaces the node's availability (as `node update --availability` will). */
  availability(id: string, availability: NodeAvailability): this {
    const n = this.state.nodes.get(id)!;
    this.state.nodes.set(id, { ...n, availability });
    return this;
  }

  assign(taskId: string, nodeId: string): this {
    return this.event("TaskAssigned", "task", taskId, { taskId, nodeId });
  }

  /** Assigns every runnable task of the service to `nodeId` and reports it running. */
  runAll(serviceId: string, nodeId: string): this {
    for (const t of this.tasks(serviceId)) {
      if (t.desiredState !== "running" || t.state !== "pending") continue;
      this.assign(t.id, nodeId).status(t.id, "running");
    }
    return this;
  }

  /** Folds planned events as if the log had accepted them. */
  apply(planned: readonly PlannedEvent[]): this {
    for (const p of planned) this.fold(toAppend(p, { actor, now: this.now }, p.key).event);
    return this;
  }

  plan(serviceId: string): PlannedEvent[] {
    return plan(this.state, serviceId, this.now, idFor);
  }

  /** Plans and applies until the planner has nothing more to do (bounded). */
  converge(serviceId: string): this {
    for (let i = 0; i < 10; i++) {
      const p = this.plan(serviceId);
      if (p.length === 0) return this;
      this.apply(p);
    }
    throw new Error("planner did not converge in 10 passes");
  }

  tasks(serviceId: string): TaskView[] {
    return tasksOfService(this.state, serviceId).sort((a, b) => a.slot - b.slot || (a.createdAt < b.createdAt ? -1 : 1));
  }

  runnable(serviceId: string): TaskView[] {
    return this.tasks(serviceId).filter((t) => ["ready", "running"].includes(t.desiredState));
  }
}

export function spec(name: string, replicas: number, restart?: RestartPolicy) {
  return {
    Name: name,
    Mode: { Replicated: { Replicas: replicas } },
    TaskTemplate: { ContainerSpec: { Image: "busybox" }, ...(restart ? { RestartPolicy: restart } : {}) },
  };
}

/** `type:aggregate[:desired]` summaries, for readable assertions. */
export function summary(planned: readonly PlannedEvent[]): string[] {
  return planned.map((p) => {
    if (p.type === "TaskDesiredStateChanged") return `desired:${p.aggregateId}:${(p.data as { desiredState: string }).desiredState}`;
    if (p.type === "ServiceUpdateStatusChanged") {
      const d = p.data as { state: string; message: string };
      return `status:${d.state}:${d.message}`;
    }
    if (p.type === "ServiceUpdateRolledBack") return `rolled-back:${(p.data as { message: string }).message}`;
    return `${p.type}:${p.aggregateId}`;
  });
}

export const SEC = 1000;
export const NS = 1_000_000_000;
