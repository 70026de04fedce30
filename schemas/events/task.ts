import { z } from "zod";
import { TaskState } from "../primitives.js";
import { PortConfig, TaskSpec } from "../specs.js";
import { aggregate } from "./entry.js";
import { TaskAllocated, TaskAllocationFailed } from "./network.js";

/* A task, on `swarm.evt.task.<taskId>`. Most are written in batches (batches.ts). */

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

export const TASK_EVENTS = aggregate("task", "taskId", {
  TaskCreated: { data: TaskCreated, producer: "orchestrator" },
  TaskDesiredStateChanged: { data: TaskDesiredStateChanged, producer: "orchestrator" },
  TaskAssigned: { data: TaskAssigned, producer: "scheduler" },
  TaskUnschedulable: { data: TaskUnschedulable, producer: "scheduler" },
  /** A node's report, appended by the dispatcher on its behalf. */
  TaskStatusChanged: { data: TaskStatusChanged, producer: "dispatcher", actsFor: "node" },
  TaskDeleted: { data: TaskDeleted, producer: "orchestrator" },
  /** Member of TasksAllocated (network.ts): the task's addresses; `new` → `pending`. */
  TaskAllocated: { data: TaskAllocated, producer: "allocator" },
  /** Member of TasksAllocationFailed (network.ts): why the task still waits in `new`. */
  TaskAllocationFailed: { data: TaskAllocationFailed, producer: "allocator" },
});
