import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { tasksOfService, type ClusterState } from "../../services/shared/model/index.js";
import type { Service } from "../../schemas/api.js";
import type { ServiceSpec } from "../../schemas/index.js";
import { docker, IMAGE, IMAGE2, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Issue "Hardening" 1: nats-server dies during a rolling update. The stack runs as `swarm up` runs
 * it (the launcher supervises nats-server like every other child); the test kills nats-server -9
 * over and over as soon as the supervisor has started it again, so the bus stays away for the
 * back-off's 0.5 + 1 + 2 + 4 s — longer than 3 heartbeat periods (6 s): every heartbeat of that
 * time is lost. Then: the launcher said what it did, nats-server is back, no node was marked down,
 * the update completed within its parallelism with exactly one new task per slot, one container
 * per task on the engine, and `audit verify` is ok. Single server, and one server of three.
 */

const NS = 1_000_000_000;
const REPLICAS = 6;
const PARALLELISM = 2;
/** Kills in a row: the supervisor waits 0.5, 1, 2 and 4 s before the restarts. */
const KILLS = 4;

interface Watch {
  c: TestCluster;
  nc: NatsConnection;
  log: Informer;
  /** Node ids the log ever marked down. */
  downs: string[];
  /** Most slots of the service seen updating at once (new task runnable, not yet running), after any event. */
  maxInFlight: () => number;
}

async function watchCluster(name: string, natsCluster: number): Promise<Watch & { serviceId: () => string | undefined; setService(id: string): void }> {
  const c = await startTestCluster(name, { natsCluster });
  const nc = await connectNats({ url: c.natsUrl, name: `${name}-test`, tls: c.natsTls });
  const log = new Informer(new JetStreamEventStore(nc));
  const downs: string[] = [];
  let serviceId: string | undefined;
  let most = 0;
  log.onEvent((e, state) => {
    if (e.event.type === "NodeStatusChanged" && e.event.data.state === "down") downs.push(e.event.data.nodeId);
    if (serviceId) most = Math.max(most, inFlight(state, serviceId));
  });
  await log.start();
  return { c, nc, log, downs, maxInFlight: () => most, serviceId: () => serviceId, setService: (id) => { serviceId = id; } };
}

/** Slots whose runnable task is on the new image but does not run yet. */
function inFlight(state: ClusterState, serviceId: string): number {
  const slots = new Set<number>();
  for (const t of tasksOfService(state, serviceId)) {
    const runnable = t.desiredState === "ready" || t.desiredState === "running";
    if (runnable && t.spec.ContainerSpec.Image === IMAGE2 && t.state !== "running") slots.add(t.slot);
  }
  return slots.size;
}

async function call<T>(c: TestCluster, method: string, path: string, body?: unknown): Promise<T> {
  const res = await c.api(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const spec = (name: string, image: string): ServiceSpec => ({
  Name: name, Mode: { Replicated: { Replicas: REPLICAS } },
  UpdateConfig: { Parallelism: PARALLELISM, Delay: 1 * NS, Monitor: 1 * NS },
  TaskTemplate: { ContainerSpec: { Image: image, Args: ["sleep", "3600"], StopGracePeriod: 1 * NS }, RestartPolicy: { Delay: 1 * NS } },
});

/** Kills `proc` -9 as soon as the supervisor has (re)started it, `KILLS` times; resolves after the last restart. */
async function crashLoop(c: TestCluster, proc: string): Promise<void> {
  for (let k = 0; k < KILLS; k++) {
    const pid = c.supervisor.kill(proc, "SIGKILL");
    assert.ok(pid, `${proc} has a process to kill`);
    await eventually(() => { const p = c.supervisor.get(proc)?.child?.pid; return p !== undefined && p !== pid; },
      { timeoutMs: 30_000, intervalMs: 5, what: `${proc} restarted after kill ${k + 1}` });
  }
}

async function rollThroughOutage(w: Awaited<ReturnType<typeof watchCluster>>, proc: string): Promise<void> {
  const { c, log } = w;
  const { ID: id } = await call<{ ID: string }>(c, "POST", "/services/create", spec("outage", IMAGE));
  w.setService(id);
  await eventually(async () => (await c.containers({ running: true, service: "outage" })).length === REPLICAS,
    { timeoutMs: 120_000, what: `${REPLICAS} containers on ${IMAGE}` });
  const svc = await c.get<Service>(`/services/${id}`);
  await call(c, "POST", `/services/${id}/update?version=${svc.Version.Index}`, spec("outage", IMAGE2));
  await eventually(() => tasksOfService(log.state, id).some((t) => t.spec.ContainerSpec.Image === IMAGE2),
    { timeoutMs: 60_000, what: "the update to start" });

  await crashLoop(c, proc);
  const exits = c.said.filter((m) => m.startsWith(`${proc} exited (signal SIGKILL); restarting in `));
  assert.deepEqual(exits.map((m) => m.split("restarting in ")[1]), ["0.5 s", "1 s", "2 s", "4 s"], c.said.join("\n"));
  assert.ok(c.said.includes(`${proc} restarted (pid ${c.supervisor.get(proc)?.child?.pid}, restart ${KILLS})`), c.said.join("\n"));

  await eventually(async () => (await c.get<Service>(`/services/${id}`)).UpdateStatus?.State === "completed",
    { timeoutMs: 180_000, what: "the update to complete" });
  await eventually(async () => {
    await log.waitFor(log.seq);
    const ctrs = await c.containers({ running: true, service: "outage" });
    const live = tasksOfService(log.state, id).filter((t) => t.state === "running" && t.desiredState === "running");
    return ctrs.length === REPLICAS && ctrs.every((x) => x.Image === IMAGE2) && live.length === REPLICAS
      && live.every((t) => t.spec.ContainerSpec.Image === IMAGE2);
  }, { timeoutMs: 120_000, what: `exactly ${REPLICAS} containers and tasks running on ${IMAGE2}` });

  assert.deepEqual(w.downs, [], "no node was marked down for heartbeats lost with the bus");
  const fresh = tasksOfService(log.state, id).filter((t) => t.spec.ContainerSpec.Image === IMAGE2);
  assert.deepEqual(fresh.map((t) => t.slot).sort(), [1, 2, 3, 4, 5, 6], "one new task per slot, none replaced twice");
  assert.ok(w.maxInFlight() <= PARALLELISM, `${w.maxInFlight()} slots were updating at once (parallelism ${PARALLELISM})`);

  const all = await docker.listContainers({ all: true, filters: { label: [`jetswarm.service.id=${id}`] } });
  const perTask = new Map<string, number>();
  for (const x of all) perTask.set(x.Labels["jetswarm.task.id"]!, (perTask.get(x.Labels["jetswarm.task.id"]!) ?? 0) + 1);
  assert.deepEqual([...perTask.entries()].filter(([, n]) => n > 1), [], "no task has two containers");

  const verify = await c.swarm("audit", "verify");
  assert.match(verify, /^ok: /);
}

async function close(w: Awaited<ReturnType<typeof watchCluster>> | undefined): Promise<void> {
  await w?.log.stop();
  await w?.nc.close();
  await w?.c.cleanup();
}

describe("bus outage during a rolling update (launcher supervision)", () => {
  let single: Awaited<ReturnType<typeof watchCluster>> | undefined;
  let three: Awaited<ReturnType<typeof watchCluster>> | undefined;
  after(async () => { await close(single); await close(three); });

  it("a single nats-server killed -9 (four times in a row) → restarted with back-off, no node down, update within parallelism, exact", async () => {
    single = await watchCluster("outage1", 1);
    await rollThroughOutage(single, "nats-server");
    await close(single);
    single = undefined;
  });

  it("one of three nats-servers killed -9 (four times in a row) → restarted with its own store, the same guarantees", async () => {
    three = await watchCluster("outage3", 3);
    await rollThroughOutage(three, "nats-server-1");
    await close(three);
    three = undefined;
  });
});
