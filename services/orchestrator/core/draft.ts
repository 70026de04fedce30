import type { ClusterState, TaskView } from "../../shared/model/index.js";
import { slotKey, versionOf } from "../../shared/model/index.js";
import { plan, type PlannedEvent } from "../../shared/model/index.js";
import { subjects, taskStateRank, type EventData, type ServiceSpec, type TaskState } from "../../../schemas/index.js";

export type IdFor = (seed: string) => string;

/**
 * The state a new task is created in (DESIGN §2): `new` when it needs network resources — its
 * spec attaches networks, or the service publishes ingress-mode ports (the routing mesh gives it
 * an ingress address) — and waits for the allocator; otherwise `pending`, schedulable at once.
 */
export function createdState(spec: ServiceSpec): "new" | "pending" {
  if ((spec.TaskTemplate.Networks ?? []).length > 0) return "new";
  return (spec.EndpointSpec?.Ports ?? []).some((p) => (p.PublishMode ?? "ingress") === "ingress") ? "new" : "pending";
}

export interface NewTask {
  serviceId: string;
  spec: ServiceSpec;
  specVersion: number;
  slot: number;
  desiredState: TaskState;
  restartAt?: string;
  replaces?: string;
}

/**
 * One reconcile pass's decisions, collected so that each task gets at most one event per pass
 * (every event on a task expects the version the pass read, so a second one would conflict).
 * Desired states only ever rise; the highest one asked for wins.
 */
export class Draft {
  private readonly desired = new Map<string, TaskState>();
  private readonly created: PlannedEvent[] = [];
  private readonly deleted = new Set<string>();
  /** Events on other aggregates (the service's update status), at most one per aggregate. */
  private readonly others = new Map<string, PlannedEvent>();

  constructor(readonly state: ClusterState, readonly now: Date, private readonly idFor: IdFor) {}

  /** The desired state of `t` once this pass's decisions apply. */
  desiredOf(t: TaskView): TaskState {
    return this.desired.get(t.id) ?? t.desiredState;
  }

  touched(t: TaskView): boolean {
    return this.desired.has(t.id) || this.deleted.has(t.id);
  }

  raise(t: TaskView, s: TaskState): void {
    if (this.deleted.has(t.id)) return;
    if (taskStateRank(s) > taskStateRank(this.desiredOf(t))) this.desired.set(t.id, s);
  }

  delete(t: TaskView): void {
    if (this.desired.has(t.id)) return;
    this.deleted.add(t.id);
  }

  /** Creates the slot's next task; its id is seeded by how many the slot has ever had. */
  create(n: NewTask): string {
    const count = this.state.createdPerSlot.get(slotKey(n.serviceId, n.slot)) ?? 0;
    const taskId = this.idFor(`${n.serviceId}:${n.slot}:${count}`);
    const data: EventData<"TaskCreated"> = {
      taskId, serviceId: n.serviceId, serviceName: n.spec.Name, slot: n.slot,
      spec: n.spec.TaskTemplate, specVersion: n.specVersion,
      desiredState: n.desiredState, state: createdState(n.spec),
    };
    if (n.restartAt !== undefined) data.restartAt = n.restartAt;
    if (n.replaces !== undefined) data.replaces = n.replaces;
    this.created.push(plan("TaskCreated", "task", taskId, data, 0, `create:${n.serviceId}:${n.slot}:${count}`));
    return taskId;
  }

  /** Plans an event on a non-task aggregate; a later one for the same aggregate replaces it. */
  emit(p: PlannedEvent): void {
    this.others.set(`${p.kind}:${p.aggregateId}`, p);
  }

  /** The planned events: creations, then desired-state changes, then deletions, then the rest. */
  events(): PlannedEvent[] {
    const out: PlannedEvent[] = [...this.created];
    for (const [taskId, s] of this.desired) {
      out.push(plan("TaskDesiredStateChanged", "task", taskId, { taskId, desiredState: s }, this.version(taskId), `desired:${taskId}:${s}`));
    }
    for (const taskId of this.deleted) {
      out.push(plan("TaskDeleted", "task", taskId, { taskId }, this.version(taskId), `delete:${taskId}`));
    }
    out.push(...this.others.values());
    return out;
  }

  private version(taskId: string): number {
    return versionOf(this.state, subjects.event("task", taskId));
  }
}
