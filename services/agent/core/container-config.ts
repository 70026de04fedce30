import { STOP_GRACE_DEFAULT_NS, type NodeTaskDoc } from "../../../schemas/index.js";
import type { ContainerCreate, StopOptions } from "./executor.js";

/** Label keys the agent puts on every container (Swarm's `com.docker.swarm.*`, renamed). */
export const LABELS = {
  nodeId: "jetswarm.node.id",
  serviceId: "jetswarm.service.id",
  serviceName: "jetswarm.service.name",
  taskId: "jetswarm.task.id",
  taskName: "jetswarm.task.name",
  slot: "jetswarm.slot",
} as const;

/** Swarm's task name: `<service>.<slot>.<taskId>`, the node id in place of slot 0 (global tasks). */
export function taskName(doc: Pick<NodeTaskDoc, "serviceName" | "slot" | "nodeId" | "taskId">): string {
  const slot = doc.slot === 0 ? doc.nodeId : String(doc.slot);
  return `${doc.serviceName}.${slot}.${doc.taskId}`;
}

/**
 * The create body for a task's container. Docker semantics as in swarmkit: Command replaces the
 * image's Entrypoint, Args are the Cmd. No restart policy: restarts are the orchestrator's job.
 */
export function containerConfig(doc: NodeTaskDoc): ContainerCreate {
  const c = doc.spec.ContainerSpec;
  const name = taskName(doc);
  const cfg: ContainerCreate = {
    name,
    Image: c.Image,
    Labels: {
      ...(c.Labels ?? {}),
      [LABELS.nodeId]: doc.nodeId,
      [LABELS.serviceId]: doc.serviceId,
      [LABELS.serviceName]: doc.serviceName,
      [LABELS.taskId]: doc.taskId,
      [LABELS.taskName]: name,
      [LABELS.slot]: String(doc.slot),
    },
  };
  if (c.Command?.length) cfg.Entrypoint = c.Command;
  if (c.Args?.length) cfg.Cmd = c.Args;
  if (c.Env?.length) cfg.Env = c.Env;
  if (c.Dir) cfg.WorkingDir = c.Dir;
  if (c.User) cfg.User = c.User;
  if (c.Hostname) cfg.Hostname = c.Hostname;
  if (c.StopSignal) cfg.StopSignal = c.StopSignal;
  return cfg;
}

/** StopSignal and StopGracePeriod (default 10 s), rounded up to whole seconds as Docker takes them. */
export function stopOptions(doc: NodeTaskDoc): StopOptions {
  const c = doc.spec.ContainerSpec;
  const graceSeconds = Math.ceil((c.StopGracePeriod ?? STOP_GRACE_DEFAULT_NS) / 1e9);
  return c.StopSignal ? { signal: c.StopSignal, graceSeconds } : { graceSeconds };
}
