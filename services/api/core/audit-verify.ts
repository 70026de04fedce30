import { membersOf } from "../../shared/model/index.js";
import { decodeEvent, entryOf, type Envelope, parseEventSubject, taskStateRank, type Actor, type ControlPlaneService, type EventType, type TaskState } from "../../../schemas/index.js";

/*
 * `swarm audit verify`, the pure part: every event parses against its schema, sits on its
 * aggregate's subject, comes from its one producer, and keeps its aggregate's history legal
 * (a task's observed state only moves forward). The hash chain is checked by the shell.
 */

/** Who may produce events: a control-plane service (schemas/roster.ts). */
export type Producer = ControlPlaneService;

const isInstanceOf = (id: string | undefined, p: Producer) => id !== undefined && (id === p || id.startsWith(`${p}-`));

/**
 * Why `actor` may not have produced an event of `type`, or undefined when it may (the catalogue
 * names the producer and whom it acts for). Events acting for a user are the api's: actor a user,
 * `via` the api instance when recorded. Every other producer's act for its own instance, or (when
 * the entry acts for a node) for a node `via` one of its instances.
 */
export function producerProblem(type: EventType, actor: Actor): string | undefined {
  const { producer: p, actsFor } = entryOf(type);
  const who = `${actor.kind} ${actor.id}${actor.via ? ` via ${actor.via}` : ""}`;
  if (actsFor === "user") {
    const ok = actor.kind === "user" && (actor.via === undefined || isInstanceOf(actor.via, p));
    return ok ? undefined : `${type} is produced by the ${p} (actor: a user via ${p}-…), not by ${who}`;
  }
  if (actor.kind === "service" && isInstanceOf(actor.id, p) && actor.via === undefined) return undefined;
  if (actsFor === "node" && actor.kind === "node" && isInstanceOf(actor.via, p)) return undefined;
  return `${type} is produced by the ${p} (actor: service ${p}-…${actsFor === "node" ? ` or a node via ${p}-…` : ""}), not by ${who}`;
}

function subjectProblem(e: Envelope, subject: string): string | undefined {
  if (e.subject !== subject) return `envelope subject ${e.subject} differs from the stored subject ${subject}`;
  const p = parseEventSubject(subject);
  const { kind, idField } = entryOf(e.type);
  if (!p || p.kind !== kind) return `${e.type} must be on a swarm.evt.${kind}.<id> subject, not ${subject}`;
  // No id field: one aggregate (the cluster, `swarm.evt.cluster.default`) or the producer's own scope (a batch).
  if (idField === undefined) return undefined;
  const id = (e.data as Record<string, unknown>)[idField];
  if (typeof id === "string" && id !== p.id) return `${e.type} for ${kind === "tasks" ? "service" : kind} ${id} stored on ${subject}`;
  return undefined;
}

export interface BadEvent { seq: number; subject: string; reason: string }

/** Checks events one by one, in log order; remembers what legality needs (each task's observed state). */
export class EventChecker {
  private readonly taskState = new Map<string, TaskState>();
  private readonly decoder = new TextDecoder();

  /** The first problem with this event, or undefined when it is fine. */
  check(seq: number, subject: string, payload: Uint8Array): BadEvent | undefined {
    const bad = (reason: string): BadEvent => ({ seq, subject, reason });
    let json: unknown;
    try {
      json = JSON.parse(this.decoder.decode(payload));
    } catch {
      return bad("payload is not JSON");
    }
    const parsed = decodeEvent(json);
    if (!parsed.ok) return bad(parsed.why);
    const e = parsed.event;
    let reason = subjectProblem(e, subject) ?? producerProblem(e.type, e.actor);
    // A batch's members are checked as the singular events they stand for.
    for (const m of membersOf(e)) reason ??= (m === e ? undefined : producerProblem(m.type, m.actor)) ?? this.historyProblem(m);
    return reason ? bad(reason) : undefined;
  }

  private historyProblem(e: Envelope): string | undefined {
    switch (e.type) {
      case "TaskCreated":
        if (this.taskState.has(e.data.taskId)) return `task ${e.data.taskId} created twice`;
        this.taskState.set(e.data.taskId, e.data.state);
        return undefined;
      case "TaskAssigned":
        return this.advance(e.data.taskId, "assigned", e.type);
      case "TaskStatusChanged":
        return this.advance(e.data.taskId, e.data.state, e.type);
      default:
        return undefined;
    }
  }

  private advance(taskId: string, to: TaskState, type: EventType): string | undefined {
    const from = this.taskState.get(taskId);
    if (from === undefined) return `${type} for task ${taskId}, which was never created`;
    if (taskStateRank(to) < taskStateRank(from)) return `task ${taskId} state moves backwards: ${from} → ${to}`;
    this.taskState.set(taskId, to);
    return undefined;
  }
}
