import { z } from "zod";
import { Actor, NodeAvailability, NodeRole, NodeState, TaskState } from "./primitives.js";
import { ServiceSpec, TaskSpec } from "./specs.js";

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
});
export type NodeDescription = z.infer<typeof NodeDescription>;
export const NodeRegistered = z.object({ nodeId: z.string(), description: NodeDescription, addr: z.string() });
export const NodeStatusChanged = z.object({ nodeId: z.string(), state: NodeState, message: z.string() });

// service — producer: api
export const ServiceCreated = z.object({ serviceId: z.string(), spec: ServiceSpec });
export const ServiceUpdated = z.object({ serviceId: z.string(), spec: ServiceSpec });
export const ServiceRemoved = z.object({ serviceId: z.string() });

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
  /** When the agent observed it (agent clock). */
  timestamp: z.string(),
});
export const TaskDeleted = z.object({ taskId: z.string() });

export const EVENT_DATA = {
  ClusterInitialized, NodeJoined, NodeRegistered, NodeStatusChanged,
  ServiceCreated, ServiceUpdated, ServiceRemoved,
  TaskCreated, TaskDesiredStateChanged, TaskAssigned, TaskUnschedulable, TaskStatusChanged, TaskDeleted,
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
  variant("ClusterInitialized"), variant("NodeJoined"), variant("NodeRegistered"),
  variant("NodeStatusChanged"), variant("ServiceCreated"), variant("ServiceUpdated"),
  variant("ServiceRemoved"), variant("TaskCreated"), variant("TaskDesiredStateChanged"),
  variant("TaskAssigned"), variant("TaskUnschedulable"), variant("TaskStatusChanged"),
  variant("TaskDeleted"),
]);
export type Envelope = z.infer<typeof Envelope>;
export type EnvelopeOf<T extends EventType> = Extract<Envelope, { type: T }>;
/** An event as read back from the log: its stream sequence and its aggregate's subject sequence. */
export type StoredEvent = { seq: number; event: Envelope };
