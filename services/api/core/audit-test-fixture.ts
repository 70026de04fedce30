import { entryOf, subjects, type Actor, type AggregateKind, type Envelope, type EventData, type EventType } from "../../../schemas/index.js";

/* A small, legal log for the audit unit tests: each event written by its real producer. */

export const API: Actor = { kind: "user", id: "local", via: "api-1" };
export const ORCH: Actor = { kind: "service", id: "orchestrator-2" };
export const SCHED: Actor = { kind: "service", id: "scheduler-3" };
export const NODE: Actor = { kind: "node", id: "n1", via: "dispatcher-4" };

export interface Stored { seq: number; subject: string; event: Envelope }

/** Builds envelopes in log order; `bytes(e)` is what the stream would hold. */
export class LogBuilder {
  readonly log: Stored[] = [];
  private t = Date.parse("2026-01-01T00:00:00Z");

  add<T extends EventType>(type: T, kind: AggregateKind, id: string, data: EventData<T>, actor: Actor): Envelope {
    const subject = subjects.event(kind, id);
    const at = new Date((this.t += 1000)).toISOString();
    const event = { id: `e${this.log.length + 1}`, type, v: entryOf(type).version, subject, at, actor, data } as Envelope;
    this.log.push({ seq: this.log.length + 1, subject, event });
    return event;
  }
}

export const bytes = (e: unknown) => new TextEncoder().encode(JSON.stringify(e));

/** init, one node, `web` with one task that runs: 9 events. */
export function smallLog(): LogBuilder {
  const b = new LogBuilder();
  b.add("ClusterInitialized", "cluster", "default", { clusterId: "c1", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 }, API);
  b.add("NodeJoined", "node", "n1", { nodeId: "n1", name: "host1", role: "manager", availability: "active" }, API);
  b.add("NodeRegistered", "node", "n1", {
    nodeId: "n1", addr: "127.0.0.1",
    description: { hostname: "host1", os: "linux", architecture: "x86_64", nanoCpus: 2e9, memoryBytes: 1e9, engineVersion: "27", engineLabels: {} },
  }, NODE);
  b.add("ServiceCreated", "service", "s1", { serviceId: "s1", spec: { Name: "web", TaskTemplate: { ContainerSpec: { Image: "img:1" } } } }, API);
  b.add("TaskCreated", "task", "t1", {
    taskId: "t1", serviceId: "s1", serviceName: "web", slot: 1, spec: { ContainerSpec: { Image: "img:1" } }, specVersion: 4,
    desiredState: "running", state: "new",
  }, ORCH);
  b.add("TaskAssigned", "task", "t1", { taskId: "t1", nodeId: "n1" }, SCHED);
  b.add("TaskStatusChanged", "task", "t1", { taskId: "t1", state: "starting", message: "starting", timestamp: "2026-01-01T00:00:07Z" }, NODE);
  b.add("TaskStatusChanged", "task", "t1", { taskId: "t1", state: "running", message: "started", timestamp: "2026-01-01T00:00:08Z" }, NODE);
  b.add("NodeStatusChanged", "node", "n1", { nodeId: "n1", state: "ready", message: "" }, NODE);
  return b;
}
