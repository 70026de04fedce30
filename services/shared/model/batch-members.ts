import type { Envelope, StoredEvent } from "../../../schemas/index.js";
import { subjects } from "../../../schemas/index.js";

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
  // Object literals of one shape, no spreads: every follower expands every batch.
  const { id, at, actor, causationId, correlationId, traceparent } = e;
  const out: Envelope[] = [];
  switch (e.type) {
    case "TasksCreated": {
      const { serviceId, serviceName, spec, specVersion, tasks: list } = e.data;
      for (let i = 0; i < list.length; i++) {
        const t = list[i]!;
        const data = {
          taskId: t.taskId, serviceId, serviceName, slot: t.slot, nodeId: t.nodeId, spec, specVersion,
          desiredState: t.desiredState, state: t.state, restartAt: t.restartAt, replaces: t.replaces,
        };
        out.push({ id: `${id}/${i}`, type: "TaskCreated", subject: subjects.event("task", t.taskId), at, actor, causationId, correlationId, traceparent, data });
      }
      return out;
    }
    case "TasksAssigned": {
      const list = e.data.assignments;
      for (let i = 0; i < list.length; i++) {
        const data = list[i]!;
        out.push({ id: `${id}/${i}`, type: "TaskAssigned", subject: subjects.event("task", data.taskId), at, actor, causationId, correlationId, traceparent, data });
      }
      return out;
    }
    case "TaskStatusesChanged": {
      const list = e.data.changes;
      const via = actor.id;
      for (let i = 0; i < list.length; i++) {
        const { nodeId, ...data } = list[i]!;
        out.push({
          id: `${id}/${i}`, type: "TaskStatusChanged", subject: subjects.event("task", data.taskId), at,
          actor: { kind: "node", id: nodeId, via }, causationId, correlationId, traceparent, data,
        });
      }
      return out;
    }
  }
}

/** `membersOf` for a stored event: every member carries the batch's sequence. */
export function storedMembers(s: StoredEvent): StoredEvent[] {
  return isBatch(s.event) ? membersOf(s.event).map((event) => ({ seq: s.seq, event })) : [s];
}
