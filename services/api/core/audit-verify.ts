import { membersOf } from "../../shared/model/index.js";
import { Envelope, formatZodError, parseEventSubject, taskStateRank, type Actor, type EventType, type TaskState } from "../../../schemas/index.js";

/*
 * `swarm audit verify`, the pure part: every event parses against its schema, sits on its
 * aggregate's subject, comes from its one producer, and keeps its aggregate's history legal
 * (a task's observed state only moves forward). The hash chain is checked by the shell.
 */

export type Producer = "api" | "orchestrator" | "scheduler" | "dispatcher";

/** The one producer of each event type (schemas/events.ts): the single place this is spelled. */
export const PRODUCERS: Record<EventType, Producer> = {
  ClusterInitialized: "api", ClusterUpdated: "api",
  NodeJoined: "api", NodeUpdated: "api", NodeRemoved: "api",
  NodeRegistered: "dispatcher", NodeStatusChanged: "dispatcher",
  ServiceCreated: "api", ServiceUpdated: "api", ServiceRemoved: "api", ServiceRollbackRequested: "api",
  ServiceUpdateStatusChanged: "orchestrator", ServiceUpdateRolledBack: "orchestrator",
  TaskCreated: "orchestrator", TaskDesiredStateChanged: "orchestrator", TaskDeleted: "orchestrator",
  TaskAssigned: "scheduler", TaskUnschedulable: "scheduler",
  TaskStatusChanged: "dispatcher",
  TasksCreated: "orchestrator", TasksAssigned: "scheduler", TaskStatusesChanged: "dispatcher",
};

const isInstanceOf = (id: string | undefined, p: Producer) => id !== undefined && (id === p || id.startsWith(`${p}-`));

/**
 * Why `actor` may not have produced an event of `type`, or undefined when it may. The api's events
 * act for a user (`via` the api instance when recorded); the dispatcher's act for itself or for a
 * node (`via` a dispatcher instance); every other producer's act for its own instance.
 */
export function producerProblem(type: EventType, actor: Actor): string | undefined {
  const p = PRODUCERS[type];
  const who = `${actor.kind} ${actor.id}${actor.via ? ` via ${actor.via}` : ""}`;
  if (p === "api") {
    const ok = actor.kind === "user" && (actor.via === undefined || isInstanceOf(actor.via, "api"));
    return ok ? undefined : `${type} is produced by the api (actor: a user via api-…), not by ${who}`;
  }
  if (actor.kind === "service" && isInstanceOf(actor.id, p) && actor.via === undefined) return undefined;
  if (p === "dispatcher" && actor.kind === "node" && isInstanceOf(actor.via, p)) return undefined;
  return `${type} is produced by the ${p} (actor: service ${p}-…${p === "dispatcher" ? " or a node via dispatcher-…" : ""}), not by ${who}`;
}

/** The aggregate kind of each event type: its subject must be `swarm.evt.<kind>.<id>`. */
function kindOf(type: EventType): string {
  if (type === "TasksCreated") return "tasks";
  if (type === "TasksAssigned") return "placements";
  if (type === "TaskStatusesChanged") return "reports";
  return type.startsWith("Cluster") ? "cluster" : type.startsWith("Node") ? "node" : type.startsWith("Service") ? "service" : "task";
}

function subjectProblem(e: Envelope, subject: string): string | undefined {
  if (e.subject !== subject) return `envelope subject ${e.subject} differs from the stored subject ${subject}`;
  const p = parseEventSubject(subject);
  const kind = kindOf(e.type);
  if (!p || p.kind !== kind) return `${e.type} must be on a swarm.evt.${kind}.<id> subject, not ${subject}`;
  // The cluster is one aggregate on `swarm.evt.cluster.default`; its `clusterId` is not the subject's id.
  if (kind === "cluster") return undefined;
  // A batch's subject is its producer's scope: the service for created tasks, else the producer's own.
  if (e.type === "TasksCreated") return e.data.serviceId !== p.id ? `TasksCreated for service ${e.data.serviceId} stored on ${subject}` : undefined;
  if (kind === "placements" || kind === "reports") return undefined;
  const d = e.data as Record<string, unknown>;
  const id = d[`${kind}Id`];
  if (typeof id === "string" && id !== p.id) return `${e.type} for ${kind} ${id} stored on ${subject}`;
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
    const parsed = Envelope.safeParse(json);
    if (!parsed.success) return bad(`does not match its schema: ${formatZodError(parsed.error)}`);
    const e = parsed.data;
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
