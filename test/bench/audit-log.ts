import { entryOf, subjects, type Actor, type AggregateKind, type EventData, type EventType } from "../../schemas/index.js";

/*
 * A realistic event log for the audit replay benchmark, generated in memory: a cluster, nodes,
 * services whose tasks live the lifecycle the real producers write (created, assigned, preparing,
 * starting, running; then on each rolling update: desired shutdown, shutdown, deleted past the
 * history), each event with its real producer as actor. Deterministic (no clock, no randomness).
 */

export interface GenMsg { subject: string; data: string }

const API: Actor = { kind: "user", id: "local", via: "api-bench" };
const ORCH: Actor = { kind: "service", id: "orchestrator-bench" };
const SCHED: Actor = { kind: "service", id: "scheduler-bench" };
const nodeActor = (id: string): Actor => ({ kind: "node", id, via: "dispatcher-bench" });

export interface LogShape {
  /** Stop after this many events. */
  events: number;
  nodes: number;
  services: number;
  replicas: number;
}

/** Yields the log's messages in order, as the stream would store them. */
export function* auditLog(shape: LogShape): Generator<GenMsg> {
  let n = 0;
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const msg = <T extends EventType>(type: T, kind: AggregateKind, id: string, data: EventData<T>, actor: Actor): GenMsg => {
    const subject = subjects.event(kind, id);
    const at = new Date((clock += 3)).toISOString();
    return { subject, data: JSON.stringify({ id: `bench-${++n}`, type, v: entryOf(type).version, subject, at, actor, data }) };
  };
  const left = () => n < shape.events;

  yield msg("ClusterInitialized", "cluster", "default", { clusterId: "c0", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 }, API);
  const nodes = Array.from({ length: shape.nodes }, (_, i) => `node${String(i).padStart(21, "0")}`);
  for (const id of nodes) {
    yield msg("NodeJoined", "node", id, { nodeId: id, name: `host-${id.slice(-4)}`, role: "worker", availability: "active" }, API);
    yield msg("NodeRegistered", "node", id, {
      nodeId: id, addr: "10.0.0.1",
      description: { hostname: `host-${id.slice(-4)}`, os: "linux", architecture: "x86_64", nanoCpus: 8e9, memoryBytes: 32e9, engineVersion: "27.0", engineLabels: {} },
    }, nodeActor(id));
    yield msg("NodeStatusChanged", "node", id, { nodeId: id, state: "ready", message: "" }, nodeActor(id));
  }
  const services = Array.from({ length: shape.services }, (_, i) => `svc${String(i).padStart(22, "0")}`);
  /** slot key → the task ids of that slot, oldest first. */
  const slots = new Map<string, string[]>();
  let taskSeq = 0;
  for (let gen = 0; left(); gen++) {
    for (let s = 0; s < services.length && left(); s++) {
      const serviceId = services[s]!;
      const name = `web${s}`;
      const spec = { Name: name, Mode: { Replicated: { Replicas: shape.replicas } }, TaskTemplate: { ContainerSpec: { Image: `app/${name}:${gen + 1}`, Args: ["serve", "--port", "8080"], Env: ["MODE=prod"] } } };
      yield msg(gen === 0 ? "ServiceCreated" : "ServiceUpdated", "service", serviceId, { serviceId, spec }, API);
      for (let slot = 1; slot <= shape.replicas && left(); slot++) {
        const key = `${serviceId}:${slot}`;
        const history = slots.get(key) ?? [];
        const old = history.at(-1);
        if (old) {
          yield msg("TaskDesiredStateChanged", "task", old, { taskId: old, desiredState: "shutdown" }, ORCH);
          const node = nodes[(s + slot) % nodes.length]!;
          yield msg("TaskStatusChanged", "task", old, { taskId: old, state: "shutdown", message: "shutdown", exitCode: 0, timestamp: new Date(clock).toISOString() }, nodeActor(node));
          if (history.length >= 3) {
            const gone = history.shift()!;
            yield msg("TaskDeleted", "task", gone, { taskId: gone }, ORCH);
          }
        }
        const taskId = `t${String(++taskSeq).padStart(24, "0")}`;
        const node = nodes[(s + slot + gen) % nodes.length]!;
        yield msg("TaskCreated", "task", taskId, {
          taskId, serviceId, serviceName: name, slot, spec: spec.TaskTemplate, specVersion: n, desiredState: "running", state: "pending",
        }, ORCH);
        yield msg("TaskAssigned", "task", taskId, { taskId, nodeId: node }, SCHED);
        for (const state of ["preparing", "starting", "running"] as const) {
          yield msg("TaskStatusChanged", "task", taskId, {
            taskId, state, message: state, ...(state === "running" ? { containerId: `c${taskId}` } : {}), timestamp: new Date(clock).toISOString(),
          }, nodeActor(node));
        }
        history.push(taskId);
        slots.set(key, history);
      }
    }
  }
}
