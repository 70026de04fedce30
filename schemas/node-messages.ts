import { z } from "zod";
import { TaskState } from "./primitives.js";
import { EndpointSpec, PortConfig, TaskSpec } from "./specs.js";
import { TaskNetwork } from "./events/network.js";

/**
 * One message per task on `swarm.tasks.<shard>.<nodeId>.<taskId>` (stream NODE_TASKS_<shard>, last one kept):
 * the latest desired state of that task for that node. `removed` is a tombstone: the agent
 * removes the task's container and forgets it.
 */
export const NodeTaskDoc = z.object({
  taskId: z.string(),
  serviceId: z.string(),
  serviceName: z.string(),
  slot: z.number().int().nonnegative(),
  nodeId: z.string(),
  spec: TaskSpec,
  desiredState: TaskState,
  /** The task aggregate's version in EVENTS when this doc was written (monotone per task). */
  version: z.number().int().nonnegative(),
  removed: z.boolean().default(false),
  /** The service's endpoint (host-mode ports are bound by the agent). */
  endpoint: EndpointSpec.optional(),
  /** The task's address on each network (the allocator's); the agent attaches the container with them. */
  networks: z.array(TaskNetwork).optional(),
});
export type NodeTaskDoc = z.infer<typeof NodeTaskDoc>;

export const TaskStatusReport = z.object({
  taskId: z.string(),
  state: TaskState,
  message: z.string(),
  err: z.string().optional(),
  containerId: z.string().optional(),
  exitCode: z.number().int().optional(),
  /** Host-mode ports the engine bound for the task's container. */
  ports: z.array(PortConfig).optional(),
  timestamp: z.string(),
});
export type TaskStatusReport = z.infer<typeof TaskStatusReport>;

/** Agent → dispatcher on `swarm.node.<nodeId>.status` (stream NODE_STATUS, work queue). */
export const NodeStatusMessage = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("heartbeat"), nodeId: z.string(), sessionId: z.string(), at: z.string(),
    /** The period the agent beats at (what its last registration told it), so that any dispatcher can judge it. */
    periodMs: z.number().int().positive().optional(),
  }),
  z.object({ kind: z.literal("tasks"), nodeId: z.string(), sessionId: z.string(), updates: z.array(TaskStatusReport) }),
]);
export type NodeStatusMessage = z.infer<typeof NodeStatusMessage>;
