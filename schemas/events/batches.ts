import { z } from "zod";
import { TaskSpec } from "../specs.js";
import { aggregate, batch } from "./entry.js";
import { TaskAssigned, TaskCreated, TaskStatusChanged } from "./task.js";

/*
 * Batches (DESIGN §3: "events may carry a batch"): one stored message for many tasks' events of one
 * type, written by that type's producer; each member reads as the singular event (the fold, the
 * listeners and the audit see members: services/shared/model/batch-members.ts). A batch's subject
 * is the producer's own aggregate, and its expectation is on that subject:
 *   TasksCreated        orchestrator  swarm.evt.tasks.<serviceId>     the service's task set
 *   TasksAssigned       scheduler     swarm.evt.placements.scheduler  the placements (one active scheduler)
 *   TaskStatusesChanged dispatcher    swarm.evt.reports.<instanceId>  that dispatcher's report log
 */

/** A created task without what all tasks of a TasksCreated share (service, spec and its version). */
export const CreatedTask = TaskCreated.omit({ serviceId: true, serviceName: true, spec: true, specVersion: true });
export const TasksCreated = z.object({
  serviceId: z.string(),
  serviceName: z.string(),
  spec: TaskSpec,
  specVersion: z.number().int().nonnegative(),
  tasks: z.array(CreatedTask).min(1),
});
export const TasksAssigned = z.object({ assignments: z.array(TaskAssigned).min(1) });
/** A status change as a node reported it: the member's actor is that node (via the dispatcher). */
export const ReportedStatus = TaskStatusChanged.extend({ nodeId: z.string() });
export const TaskStatusesChanged = z.object({ changes: z.array(ReportedStatus).min(1) });

// Members are object literals of one shape, no spreads where avoidable: every follower expands every batch.
const created = batch(TasksCreated, { type: "TaskCreated", data: TaskCreated }, {
  elements: (d) => d.tasks,
  expand: ({ serviceId, serviceName, spec, specVersion }, t) => ({
    taskId: t.taskId, serviceId, serviceName, slot: t.slot, nodeId: t.nodeId, spec, specVersion,
    desiredState: t.desiredState, state: t.state, restartAt: t.restartAt, replaces: t.replaces,
  }),
});
const assigned = batch(TasksAssigned, { type: "TaskAssigned", data: TaskAssigned }, {
  elements: (d) => d.assignments,
  expand: (_d, a) => a,
});
const reported = batch(TaskStatusesChanged, { type: "TaskStatusChanged", data: TaskStatusChanged }, {
  elements: (d) => d.changes,
  expand: (_d, { nodeId: _node, ...data }) => data,
  actor: (c, b) => ({ kind: "node", id: c.nodeId, via: b.id }),
});

export const TASKS_EVENTS = aggregate("tasks", "serviceId", {
  TasksCreated: { data: TasksCreated, producer: "orchestrator", batch: created },
});
export const PLACEMENTS_EVENTS = aggregate("placements", undefined, {
  TasksAssigned: { data: TasksAssigned, producer: "scheduler", batch: assigned },
});
export const REPORTS_EVENTS = aggregate("reports", undefined, {
  TaskStatusesChanged: { data: TaskStatusesChanged, producer: "dispatcher", actsFor: "node", batch: reported },
});
