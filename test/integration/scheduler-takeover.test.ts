import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { type ServiceDeps } from "../../services/shared/runtime/index.js";
import type { StoredEvent } from "../../schemas/index.js";
import { start as startApi } from "../../services/api/index.js";
import { start as startOrchestrator } from "../../services/orchestrator/index.js";
import { start as startDispatcher } from "../../services/dispatcher/index.js";
import { start as startAgent, type ContainerCreate } from "../../services/agent/index.js";
import { HollowExecutor } from "../bench/hollow-executor.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";
import { serveTestCa } from "../helpers/cluster-keys.js";

/*
 * kill -9 of the active scheduler while 200 tasks are being created. The two schedulers are real
 * processes (one active, one standby on the lease); api, orchestrator and dispatcher run
 * in-process; the 4 nodes are HOLLOW (the real agent on a SIMULATED runtime: no Docker — the
 * system test scheduler-takeover.test.ts does the same with real containers, at 40 tasks).
 */

/** The simulated runtime, counting every container ever created per task (a duplicate would show). */
class CountingExecutor extends HollowExecutor {
  static readonly created = new Map<string, number>();
  override async create(spec: ContainerCreate): Promise<string> {
    const task = spec.Labels["jetswarm.task.id"] ?? "?";
    CountingExecutor.created.set(task, (CountingExecutor.created.get(task) ?? 0) + 1);
    return super.create(spec);
  }
}

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let view: Informer;
let apiUrl: string;
const stops: (() => Promise<void>)[] = [];
const schedulers: ServiceProcess[] = [];
/** Scheduler events (TaskAssigned, TaskUnschedulable) in log order, with when this test saw them. */
const decisions: { e: StoredEvent; seenAt: number }[] = [];

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${apiUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}
const createService = (Name: string, Replicas: number) => post<{ ID: string }>("/services/create", {
  Name, Mode: { Replicated: { Replicas } }, TaskTemplate: { ContainerSpec: { Image: "jetswarm-test/busybox:1" } },
});
const deps = (id: string): ServiceDeps => ({ nc, store: new JetStreamEventStore(nc), log: createLogger(id, "silent"), instanceId: id });

/** The secret-store's CA handlers the api asks for join tokens and certificates. */
let testCa: Awaited<ReturnType<typeof serveTestCa>> | undefined;

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "takeover-test" });
  await ensureStreams(nc);
  testCa = await serveTestCa(nc, new JetStreamEventStore(nc));
  view = new Informer(new JetStreamEventStore(nc));
  view.onEvent((e) => { if (e.event.type === "TaskAssigned" || e.event.type === "TaskUnschedulable") decisions.push({ e, seenAt: performance.now() }); });
  await view.start();
  const api = await startApi(deps("api-1"), { listen: "127.0.0.1:0", insecureHttp: true });
  apiUrl = api.url;
  stops.push(() => api.stop());
  const orch = await startOrchestrator(deps("orchestrator-1"), { resyncMs: 2000 });
  stops.push(() => orch.stop());
  const disp = await startDispatcher(deps("dispatcher-1"));
  stops.push(() => disp.stop());
  await post("/swarm/init", { NodeName: "manager-without-agent" }); // never ready: never eligible
  const { JoinTokens } = await (await fetch(`${apiUrl}/swarm`)).json() as { JoinTokens: { Worker: string } };
  for (let i = 0; i < 4; i++) {
    const name = `hollow-${i}`;
    const { NodeID } = await post<{ NodeID: string }>("/jetswarm/join", { JoinToken: JoinTokens.Worker, NodeName: name });
    const agent = await startAgent({ nc, log: createLogger(name, "silent"), nodeId: NodeID, executor: new CountingExecutor({ hostname: name }), hostname: name, addr: "127.0.0.1" });
    stops.push(() => agent.stop());
  }
  await eventually(() => [...view.state.nodes.values()].filter((n) => n.state === "ready").length === 4, { what: "4 hollow nodes ready" });
});
after(async () => {
  for (const s of schedulers) await s.kill();
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await view?.stop();
  await testCa?.stop();
  await nc?.drain();
  await nats?.cleanup();
});

describe("scheduler takeover after kill -9 (200 tasks, hollow nodes)", () => {
  it("every task is assigned exactly once and runs once; the two schedulers never both act", async (t) => {
    const env = { SWARM_NATS_URL: nats.url, SWARM_LOG_LEVEL: "info" };
    const a = spawnService("scheduler", "scheduler-a", env);
    schedulers.push(a);
    await a.waitForLog((r) => r.msg === "lease acquired: active");
    const b = spawnService("scheduler", "scheduler-b", env);
    schedulers.push(b);
    await b.waitForLog((r) => r.msg === "scheduler running" && r.active === false);

    await createService("first", 100);
    await eventually(() => decisions.some((d) => d.e.event.actor.id === "scheduler-a"), { what: "scheduler-a placing", intervalMs: 5 });
    const killedAt = performance.now();
    await a.kill("SIGKILL");
    await createService("second", 100); // created while no scheduler is active: waits for the standby

    const tasks = () => [...view.state.tasks.values()];
    await eventually(() => tasks().filter((t) => t.state === "running").length === 200, { what: "200 tasks running", timeoutMs: 90_000 });
    assert.equal(tasks().length, 200, "no task beyond the 200");

    const assigned = decisions.filter((d) => d.e.event.type === "TaskAssigned");
    const perTask = new Map<string, number>();
    for (const d of assigned) { const id = (d.e.event.data as { taskId: string }).taskId; perTask.set(id, (perTask.get(id) ?? 0) + 1); }
    assert.equal(perTask.size, 200);
    assert.deepEqual([...perTask.values()].filter((n) => n !== 1), [], "each task assigned exactly once");
    assert.equal(CountingExecutor.created.size, 200, "a container for every task");
    assert.deepEqual([...CountingExecutor.created.values()].filter((n) => n !== 1), [], "never two containers for one task");

    // Actors in log order: scheduler-a's decisions, then scheduler-b's — never interleaved.
    const actors = decisions.map((d) => d.e.event.actor.id);
    const firstB = actors.indexOf("scheduler-b");
    assert.ok(firstB > 0, "both acted: a before the kill, b after");
    assert.deepEqual(new Set(actors.slice(0, firstB)), new Set(["scheduler-a"]), "before the takeover only a");
    assert.deepEqual(new Set(actors.slice(firstB)), new Set(["scheduler-b"]), "after the takeover only b");
    const takeoverMs = decisions[firstB]!.seenAt - killedAt;
    const byA = actors.filter((x) => x === "scheduler-a").length;
    // The lease TTL is 3 s; the standby campaigns every 0.5 s. Slack for a loaded 2-core machine.
    assert.ok(takeoverMs < 10_000, `takeover took ${takeoverMs.toFixed(0)} ms`);
    t.diagnostic(`scheduler-a placed ${byA}, scheduler-b ${actors.length - byA}; first placement by b ${takeoverMs.toFixed(0)} ms after the kill`);
  });
});
