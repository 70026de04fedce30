import type { BatchType, EventData } from "../../../schemas/index.js";
import { EVENT_KIND, subjects } from "../../../schemas/index.js";
import type { ClusterState } from "./cluster-state.js";
import { versionOf } from "./cluster-state.js";
import { plan, type PlannedEvent } from "./event-store.js";

/*
 * Packing planned singular task events into batches (schemas/events/batches.ts). Pure. Writers plan
 * singular events as before and pack them here; readers expand batches (batch-members.ts).
 */

type MemberType = "TaskCreated" | "TaskAssigned" | "TaskStatusChanged";

/**
 * Most members in one batch, and the most bytes of its data: a follower pulls 1000 messages at a
 * time (ordered-follow.ts), and a thousand batches must stay below what a client may have pending
 * on the server (64 MiB) — a follower catching up on a log of larger batches was cut off as a
 * slow consumer.
 */
export const BATCH_LIMITS = { members: 1000, bytes: 48 * 1024 } as const;

/**
 * Packs planned singular events of `member` type into batches on `<kind>.<id>` (the batch type's
 * aggregate kind in the catalogue; the id is what `scope` says
 * for each), leaving every other planned event as it is. Batches on one subject are appended in
 * order, each expecting the one before (see `appendPlanned`); the first expects the subject's
 * version in `state`. `dataOf` turns a member's planned data into what the batch stores.
 */
function pack<M extends MemberType, B extends BatchType>(
  state: ClusterState, planned: readonly PlannedEvent[], member: M, batch: B,
  scope: (p: PlannedEvent<M>) => string, wrap: (scopeId: string, members: unknown[]) => EventData<B>,
  dataOf: (p: PlannedEvent<M>) => unknown = (p) => p.data, baseBytes = 0,
): PlannedEvent[] {
  const out: PlannedEvent[] = [];
  const groups = new Map<string, { data: unknown[]; first: string; bytes: number }[]>();
  for (const p of planned) {
    if (p.type !== member) { out.push(p); continue; }
    const id = scope(p as PlannedEvent<M>);
    const data = dataOf(p as PlannedEvent<M>);
    const size = JSON.stringify(data).length;
    let list = groups.get(id);
    if (!list) groups.set(id, (list = []));
    let cur = list.at(-1);
    if (!cur || cur.data.length >= BATCH_LIMITS.members || (cur.bytes + size > BATCH_LIMITS.bytes && cur.data.length > 0)) {
      list.push((cur = { data: [], first: p.key, bytes: baseBytes }));
    }
    cur.data.push(data);
    cur.bytes += size;
  }
  for (const [id, list] of groups) {
    const kind = EVENT_KIND[batch];
    const version = versionOf(state, subjects.event(kind, id));
    for (const b of list) out.push(plan(batch, kind, id, wrap(id, b.data), version, `${batch}:${b.first}+${b.data.length}`));
  }
  return out;
}

/**
 * The orchestrator's TaskCreated, in TasksCreated batches on the service's task set: the service,
 * its spec and spec version once per batch (a batch holds tasks of one spec), each task's own
 * fields per member.
 */
export function packCreated(state: ClusterState, planned: readonly PlannedEvent[]): PlannedEvent[] {
  const created = planned.filter((p): p is PlannedEvent<"TaskCreated"> => p.type === "TaskCreated");
  if (created.length === 0) return [...planned];
  // One spec per batch: tasks created from another spec (rare in one pass) go in a batch of their own.
  const specs: EventData<"TaskCreated">[] = [];
  const specOf = (d: EventData<"TaskCreated">) => {
    let i = specs.findIndex((s) => s.serviceId === d.serviceId && s.specVersion === d.specVersion && s.serviceName === d.serviceName &&
      (s.spec === d.spec || JSON.stringify(s.spec) === JSON.stringify(d.spec)));
    if (i < 0) i = specs.push(d) - 1;
    return i;
  };
  const groupOf = new Map<PlannedEvent, number>(created.map((p) => [p, specOf(p.data)]));
  const out = planned.filter((p) => p.type !== "TaskCreated");
  for (let g = 0; g < specs.length; g++) {
    const head = specs[g]!;
    out.push(...pack(state, created.filter((p) => groupOf.get(p) === g), "TaskCreated", "TasksCreated", (p) => p.data.serviceId,
      (serviceId, tasks) => ({ serviceId, serviceName: head.serviceName, spec: head.spec, specVersion: head.specVersion, tasks: tasks as EventData<"TasksCreated">["tasks"] }),
      (p) => {
        const d = p.data;
        return { taskId: d.taskId, slot: d.slot, nodeId: d.nodeId, desiredState: d.desiredState, state: d.state, restartAt: d.restartAt, replaces: d.replaces };
      }, JSON.stringify(head.spec).length));
  }
  return out;
}

/** The scheduler's TaskAssigned, in TasksAssigned batches on the one placements subject. */
export const PLACEMENTS_ID = "scheduler";
export function packAssigned(state: ClusterState, planned: readonly PlannedEvent[]): PlannedEvent[] {
  return pack(state, planned, "TaskAssigned", "TasksAssigned", () => PLACEMENTS_ID,
    (_id, assignments) => ({ assignments: assignments as EventData<"TaskAssigned">[] }));
}

/**
 * A dispatcher's TaskStatusChanged, in TaskStatusesChanged batches on its own reports subject;
 * `nodeOf` names the node that reported each task's status (the member's actor).
 */
export function packStatuses(
  state: ClusterState, planned: readonly PlannedEvent[], instanceId: string, nodeOf: (taskId: string) => string,
): PlannedEvent[] {
  return pack(state, planned, "TaskStatusChanged", "TaskStatusesChanged", () => instanceId,
    (_id, changes) => ({ changes: changes as EventData<"TaskStatusesChanged">["changes"] }),
    (p) => ({ ...p.data, nodeId: nodeOf(p.data.taskId) }));
}
