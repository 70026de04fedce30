/*
 * A long event log for the restart benchmark: a cluster that has lived through many rolling
 * updates. BENCH ONLY: events are published straight to the EVENTS stream in windows, WITHOUT
 * expectations or message ids (a service never appends like this: DESIGN §3). The result is a
 * log every service folds to a consistent, converged state: SERVICES services × REPLICAS running
 * tasks on NODES ready nodes, each slot replaced once per round (new task created, assigned,
 * running; old task shut down and deleted), the spec version of each task that of its service.
 */
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { subjects, type AggregateKind, type EventData, type EventType } from "../../schemas/index.js";

export interface LongLogOptions {
  /** Stop after the round in which this many events have been written. */
  events: number;
  nodes?: number;
  services?: number;
  replicas?: number;
  /** Publishes in flight. Default 2000. */
  window?: number;
  progress?: (written: number) => void;
}

const actor = { kind: "service", id: "bench-generator" } as const;

class Writer {
  written = 0;
  private inFlight: Promise<unknown>[] = [];
  private readonly js: JetStreamClient;
  constructor(nc: NatsConnection, private readonly window: number) { this.js = jetstream(nc); }

  /** Queues one event; resolves with its sequence (only awaited where the sequence is needed). */
  put<T extends EventType>(type: T, kind: AggregateKind, id: string, data: EventData<T>): Promise<number> {
    const subject = subjects.event(kind, id);
    const n = ++this.written;
    const body = JSON.stringify({ id: `bench-${n}`, type, subject, at: new Date().toISOString(), actor, data });
    const p = this.js.publish(subject, body, { timeout: 60_000 }).then((a) => a.seq);
    this.inFlight.push(p);
    return p;
  }
  async drainIfFull(): Promise<void> {
    if (this.inFlight.length >= this.window) await this.drain();
  }
  async drain(): Promise<void> {
    const batch = this.inFlight;
    this.inFlight = [];
    await Promise.all(batch);
  }
}

/** Writes the log; returns the number of events written. */
export async function writeLongLog(nc: NatsConnection, o: LongLogOptions): Promise<number> {
  const NODES = o.nodes ?? 20, SERVICES = o.services ?? 50, REPLICAS = o.replicas ?? 20;
  const w = new Writer(nc, o.window ?? 2000);
  const image = (round: number) => `jetswarm-test/busybox:${(round % 2) + 1}`;
  const svcSpec = (s: number, round: number) => ({
    Name: `svc-${s}`, Mode: { Replicated: { Replicas: REPLICAS } }, TaskTemplate: { ContainerSpec: { Image: image(round), Args: ["sleep", "3600"] } },
  });
  const nodeId = (i: number) => `benchnode${String(i).padStart(16, "0")}`;
  const taskId = (round: number, s: number, slot: number) => `t${round}x${s}x${slot}`;

  void w.put("ClusterInitialized", "cluster", "bench", { clusterId: "bench", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 5000, taskHistoryLimit: 5 });
  for (let i = 0; i < NODES; i++) {
    const id = nodeId(i);
    void w.put("NodeJoined", "node", id, { nodeId: id, name: `bench-${i}`, role: "worker", availability: "active" });
    void w.put("NodeRegistered", "node", id, { nodeId: id, addr: "127.0.0.1", description: { hostname: `bench-${i}`, os: "linux", architecture: "x86_64", nanoCpus: 4e9, memoryBytes: 8 * 2 ** 30, engineVersion: "bench", engineLabels: {} } });
    void w.put("NodeStatusChanged", "node", id, { nodeId: id, state: "ready", message: "" });
  }
  for (let round = 0; w.written < o.events; round++) {
    // The spec events first, awaited: each task carries its service's spec version (that event's sequence).
    const versions = await Promise.all(Array.from({ length: SERVICES }, (_, s) => round === 0
      ? w.put("ServiceCreated", "service", `svc${s}`, { serviceId: `svc${s}`, spec: svcSpec(s, round) })
      : w.put("ServiceUpdated", "service", `svc${s}`, { serviceId: `svc${s}`, spec: svcSpec(s, round) })));
    await w.drain();
    for (let s = 0; s < SERVICES; s++) {
      const serviceId = `svc${s}`;
      if (round > 0) void w.put("ServiceUpdateStatusChanged", "service", serviceId, { serviceId, state: "updating", message: "update in progress" });
      for (let slot = 1; slot <= REPLICAS; slot++) {
        const id = taskId(round, s, slot), old = round > 0 ? taskId(round - 1, s, slot) : undefined;
        const node = nodeId((s * REPLICAS + slot) % NODES);
        const at = new Date().toISOString();
        if (old) {
          void w.put("TaskDesiredStateChanged", "task", old, { taskId: old, desiredState: "shutdown" });
          void w.put("TaskStatusChanged", "task", old, { taskId: old, state: "shutdown", message: "shutdown", exitCode: 0, timestamp: at });
        }
        void w.put("TaskCreated", "task", id, {
          taskId: id, serviceId, serviceName: `svc-${s}`, slot, spec: svcSpec(s, round).TaskTemplate, specVersion: versions[s]!,
          desiredState: "running", state: "pending", ...(old ? { replaces: old } : {}),
        });
        void w.put("TaskAssigned", "task", id, { taskId: id, nodeId: node });
        void w.put("TaskStatusChanged", "task", id, { taskId: id, state: "running", message: "started", containerId: `c-${id}`, timestamp: at });
        if (old) void w.put("TaskDeleted", "task", old, { taskId: old });
        await w.drainIfFull();
      }
      if (round > 0) void w.put("ServiceUpdateStatusChanged", "service", serviceId, { serviceId, state: "completed", message: "update completed" });
    }
    o.progress?.(w.written);
  }
  await w.drain();
  return w.written;
}
