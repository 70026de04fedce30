import { z } from "zod";
import { Actor, NodeAvailability, NodeRole, NodeState, TaskState } from "./primitives.js";
import { PortConfig, ServiceSpec, TaskSpec } from "./specs.js";

/*
 * Every event type, its data, and (in the comment) its one producer. Subjects are
 * `swarm.evt.<kind>.<id>`: one subject per aggregate, so a subject's last sequence is the
 * aggregate's version.
 */

// cluster — producer: api
export const ClusterInitialized = z.object({
  clusterId: z.string(),
  workerToken: z.string(),
  managerToken: z.string(),
  heartbeatPeriodMs: z.number().int().positive(),
  taskHistoryLimit: z.number().int(),
});
/** `swarm update` — producer: api. */
export const ClusterUpdated = z.object({
  heartbeatPeriodMs: z.number().int().positive().optional(),
  taskHistoryLimit: z.number().int().optional(),
  /**
   * `swarm control-plane scale`: the desired number of instances of the services it names (the
   * others keep theirs); every manager's supervisor runs its share.
   */
  controlPlane: z.record(z.string(), z.number().int().positive()).optional(),
});

// node — NodeJoined: api (join with a valid token); the rest: dispatcher
export const NodeJoined = z.object({
  nodeId: z.string(),
  name: z.string(),
  role: NodeRole,
  availability: NodeAvailability,
});
export const NodeDescription = z.object({
  hostname: z.string(),
  os: z.string(),
  architecture: z.string(),
  nanoCpus: z.number().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  engineVersion: z.string(),
  engineLabels: z.record(z.string(), z.string()).default({}),
  /** Images present on the node's engine (repo:tag), so the scheduler can prefer them. */
  images: z.array(z.string()).optional(),
});
export type NodeDescription = z.infer<typeof NodeDescription>;
export const NodeRegistered = z.object({ nodeId: z.string(), description: NodeDescription, addr: z.string() });
export const NodeStatusChanged = z.object({ nodeId: z.string(), state: NodeState, message: z.string() });
/** The node's spec as `swarm node update/promote/demote` leave it — producer: api. */
export const NodeUpdated = z.object({
  nodeId: z.string(),
  role: NodeRole,
  availability: NodeAvailability,
  labels: z.record(z.string(), z.string()),
});
/** `swarm node rm` — producer: api. */
export const NodeRemoved = z.object({ nodeId: z.string() });

// service — producer: api
export const ServiceCreated = z.object({ serviceId: z.string(), spec: ServiceSpec });
export const ServiceUpdated = z.object({ serviceId: z.string(), spec: ServiceSpec });
export const ServiceRemoved = z.object({ serviceId: z.string() });
/** Manual rollback (`service rollback`, `update --rollback`): spec and previous spec swap — producer: api. */
export const ServiceRollbackRequested = z.object({ serviceId: z.string() });

export const UpdateState = z.enum(["updating", "paused", "completed", "rollback_started", "rollback_paused", "rollback_completed"]);
export type UpdateState = z.infer<typeof UpdateState>;
/** Progress of a rolling update or rollback — producer: orchestrator (the updater). */
export const ServiceUpdateStatusChanged = z.object({ serviceId: z.string(), state: UpdateState, message: z.string() });
/**
 * Automatic rollback after failures (failure action `rollback`): spec ← previous spec, previous
 * spec cleared, status rollback_started with `message` — producer: orchestrator (the updater).
 */
export const ServiceUpdateRolledBack = z.object({ serviceId: z.string(), message: z.string() });

// task — TaskCreated, TaskDesiredStateChanged, TaskDeleted: orchestrator;
// TaskAssigned, TaskUnschedulable: scheduler; TaskStatusChanged: dispatcher
export const TaskCreated = z.object({
  taskId: z.string(),
  serviceId: z.string(),
  serviceName: z.string(),
  slot: z.number().int().nonnegative(),
  nodeId: z.string().optional(),
  spec: TaskSpec,
  specVersion: z.number().int().nonnegative(),
  desiredState: TaskState,
  state: z.enum(["new", "pending"]),
  /** For a restart replacement: not promoted to desired running before this time (ISO). */
  restartAt: z.string().optional(),
  /** The task this one replaces, if any. */
  replaces: z.string().optional(),
});
export const TaskDesiredStateChanged = z.object({ taskId: z.string(), desiredState: TaskState });
export const TaskAssigned = z.object({ taskId: z.string(), nodeId: z.string() });
export const TaskUnschedulable = z.object({ taskId: z.string(), err: z.string() });
export const TaskStatusChanged = z.object({
  taskId: z.string(),
  state: TaskState,
  message: z.string(),
  err: z.string().optional(),
  containerId: z.string().optional(),
  exitCode: z.number().int().optional(),
  /** Host-mode ports bound for the task's container (as the agent reported them). */
  ports: z.array(PortConfig).optional(),
  /** When the agent observed it (agent clock). */
  timestamp: z.string(),
});
export const TaskDeleted = z.object({ taskId: z.string() });

/*
 * Batches (DESIGN §3: "events may carry a batch"): one stored message for many tasks' events of one
 * type, written by that type's producer; each member reads as the singular event (the fold, the
 * listeners and the audit see members, see services/shared/batches.ts). A batch's subject is the
 * producer's own aggregate, and its expectation is on that subject:
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

export const EVENT_DATA = {
  ClusterInitialized, ClusterUpdated, NodeJoined, NodeRegistered, NodeStatusChanged, NodeUpdated, NodeRemoved,
  ServiceCreated, ServiceUpdated, ServiceRemoved, ServiceRollbackRequested, ServiceUpdateStatusChanged, ServiceUpdateRolledBack,
  TaskCreated, TaskDesiredStateChanged, TaskAssigned, TaskUnschedulable, TaskStatusChanged, TaskDeleted,
  TasksCreated, TasksAssigned, TaskStatusesChanged,
} as const;
export type EventType = keyof typeof EVENT_DATA;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;

const Meta = {
  id: z.string().min(1),
  subject: z.string().min(1),
  /** Writer's clock, ISO-8601. */
  at: z.string(),
  actor: Actor,
  causationId: z.string().optional(),
  correlationId: z.string().optional(),
  traceparent: z.string().optional(),
};
function variant<T extends EventType>(type: T) {
  return z.object({ ...Meta, type: z.literal(type), data: EVENT_DATA[type] });
}
export const Envelope = z.discriminatedUnion("type", [
  variant("ClusterInitialized"), variant("ClusterUpdated"), variant("NodeJoined"), variant("NodeRegistered"),
  variant("NodeStatusChanged"), variant("NodeUpdated"), variant("NodeRemoved"), variant("ServiceCreated"),
  variant("ServiceUpdated"), variant("ServiceRemoved"), variant("ServiceRollbackRequested"),
  variant("ServiceUpdateStatusChanged"), variant("ServiceUpdateRolledBack"), variant("TaskCreated"), variant("TaskDesiredStateChanged"),
  variant("TaskAssigned"), variant("TaskUnschedulable"), variant("TaskStatusChanged"),
  variant("TaskDeleted"), variant("TasksCreated"), variant("TasksAssigned"), variant("TaskStatusesChanged"),
]);
export type Envelope = z.infer<typeof Envelope>;
export type EnvelopeOf<T extends EventType> = Extract<Envelope, { type: T }>;
/** An event as read back from the log: its stream sequence and its aggregate's subject sequence. */
export type StoredEvent = { seq: number; event: Envelope };
