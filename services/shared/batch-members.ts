import type { Envelope, StoredEvent } from "../../schemas/index.js";
import { subjects } from "../../schemas/index.js";

/*
 * Batches (schemas/events.ts): one stored message carries many tasks' events of one type. Readers
 * expand a batch back into its members, each an ordinary envelope of the singular type on the
 * task's own subject, so the fold, the listeners and the audit handle one shape. A member's id is
 * `<batch id>/<index>`; its actor is the batch's, except a reported status, whose actor is the
 * node that reported it (via the dispatcher instance). Pure. Writers pack: see batches.ts.
 */

export type BatchType = "TasksCreated" | "TasksAssigned" | "TaskStatusesChanged";
type MemberType = "TaskCreated" | "TaskAssigned" | "TaskStatusChanged";

export const BATCH_MEMBER: Record<BatchType, MemberType> = {
  TasksCreated: "TaskCreated", TasksAssigned: "TaskAssigned", TaskStatusesChanged: "TaskStatusChanged",
};

export function isBatch(e: Envelope): e is Extract<Envelope, { type: BatchType }> {
  return e.type === "TasksCreated" || e.type === "TasksAssigned" || e.type === "TaskStatusesChanged";
}

/** The singular events a stored event stands for: itself, or a batch's members in order. */
export function membersOf(e: Envelope): Envelope[] {
  if (!isBatch(e)) return [e];
  const meta = (i: number, taskId: string) => ({
    id: `${e.id}/${i}`, subject: subjects.event("task", taskId), at: e.at, actor: e.actor,
    ...(e.causationId ? { causationId: e.causationId } : {}), ...(e.correlationId ? { correlationId: e.correlationId } : {}),
    ...(e.traceparent ? { traceparent: e.traceparent } : {}),
  });
  switch (e.type) {
    case "TasksCreated":
      return e.data.tasks.map((data, i) => ({ ...meta(i, data.taskId), type: "TaskCreated", data }));
    case "TasksAssigned":
      return e.data.assignments.map((data, i) => ({ ...meta(i, data.taskId), type: "TaskAssigned", data }));
    case "TaskStatusesChanged":
      return e.data.changes.map(({ nodeId, ...data }, i) => ({
        ...meta(i, data.taskId), actor: { kind: "node", id: nodeId, via: e.actor.id }, type: "TaskStatusChanged", data,
      }));
  }
}

/** `membersOf` for a stored event: every member carries the batch's sequence. */
export function storedMembers(s: StoredEvent): StoredEvent[] {
  return isBatch(s.event) ? membersOf(s.event).map((event) => ({ seq: s.seq, event })) : [s];
}
