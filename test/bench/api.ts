/*
 * Read-path benchmark of the api (`npm run bench:api`; issue "Hardening" 7): BENCH_CLIENTS
 * concurrent clients, each looping `service ls` (GET /services) and `service ps` (GET /tasks with a
 * service filter) over keep-alive connections, for BENCH_SECONDS, on a real control plane (nats-server,
 * api, orchestrator, scheduler, dispatcher: separate processes) whose BENCH_TASKS tasks run on
 * BENCH_NODES HOLLOW nodes (SIMULATED runtime, no Docker). Two phases: the idle cluster, then the
 * same load while a scale-up of BENCH_SCALE_TASKS more tasks is placed and started. jetswarm only:
 * never Docker swarm mode.
 *
 * Env (defaults): BENCH_CLIENTS=200, BENCH_SECONDS=20, BENCH_NODES=20, BENCH_SERVICES=10,
 * BENCH_TASKS=1000, BENCH_SCALE_TASKS=1000, BENCH_WARMUP_S=3 (load before each phase's timing). Reports requests/s and p50/p99 per phase and route
 * (goal: p99 ≤ 100 ms on the idle cluster).
 */
import { Agent, request } from "node:http";
import { setMaxListeners } from "node:events";
import { startHollowFleet, pool, type HollowFleet } from "./hollow-agents.js";
import { startHollowControlPlane, postJson, type HollowControlPlane } from "./hollow-cluster.js";
import { env, percentile, timedGet } from "./hollow-probes.js";

const CLIENTS = env("BENCH_CLIENTS", 200);
const SECONDS = env("BENCH_SECONDS", 20);
const NODES = env("BENCH_NODES", 20);
const SERVICES = env("BENCH_SERVICES", 10);
const TASKS = env("BENCH_TASKS", 1000);
const SCALE_TASKS = env("BENCH_SCALE_TASKS", 1000);
/** Seconds of load before each phase's timing starts (connections opened, code warm), not counted. */
const WARMUP_S = env("BENCH_WARMUP_S", 3);
const IMAGE = "hollow/simulated:1";
const GOAL_P99_MS = 100;

setMaxListeners(1_000_000);
const t0 = performance.now();
const say = (m: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Service { Spec: { Name: string }; ServiceStatus?: { RunningTasks: number; DesiredTasks: number } }

const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });

/** One GET over the shared keep-alive pool: its latency in ms (the body is read, not parsed). */
function get(url: URL, path: string): Promise<number> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, agent }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

interface Phase { name: string; seconds: number; ls: number[]; ps: number[]; errors: number }

/** CLIENTS loops of ls, ps, ls, ps… for WARMUP_S (not counted), then `seconds` timed. */
async function load(apiUrl: string, names: string[], name: string, seconds: number): Promise<Phase> {
  const url = new URL(apiUrl);
  const timed: Phase = { name, seconds, ls: [], ps: [], errors: 0 };
  const warmup: Phase = { ...timed, ls: [], ps: [] };
  const start = performance.now() + WARMUP_S * 1000;
  const end = start + seconds * 1000;
  const client = async (c: number) => {
    for (let i = c; performance.now() < end; i++) {
      const phase = performance.now() < start ? warmup : timed;
      const ps = `/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [names[i % names.length]] }))}`;
      try {
        phase.ls.push(await get(url, "/services"));
        phase.ps.push(await get(url, ps));
      } catch {
        phase.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  return timed;
}

async function createServices(apiUrl: string, prefix: string, count: number, replicas: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, "0")}`);
  await pool(names, 4, (Name) => postJson(`${apiUrl}/services/create`, { Name, Mode: { Replicated: { Replicas: replicas } }, TaskTemplate: { ContainerSpec: { Image: IMAGE } } }));
  return names;
}

async function running(apiUrl: string): Promise<number> {
  const { body } = await timedGet<Service[]>(`${apiUrl}/services`);
  return body.reduce((n, s) => n + (s.ServiceStatus?.RunningTasks ?? 0), 0);
}

async function waitRunning(apiUrl: string, want: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let n = await running(apiUrl); n < want; n = await running(apiUrl)) {
    if (Date.now() > deadline) throw new Error(`only ${n} of ${want} tasks running after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

function report(p: Phase): boolean {
  const total = p.ls.length + p.ps.length;
  console.log(`\n${p.name}: ${CLIENTS} clients × ${p.seconds} s — ${(total / p.seconds).toFixed(0)} req/s, ${p.errors} errors`);
  for (const [route, xs] of [["GET /services (service ls)", p.ls], ["GET /tasks?filters={service} (service ps)", p.ps]] as const) {
    console.log(`  ${route.padEnd(42)} ${String(xs.length).padStart(7)} req  p50 ${percentile(xs, 50).toFixed(1).padStart(6)} ms  p99 ${percentile(xs, 99).toFixed(1).padStart(7)} ms`);
  }
  return percentile([...p.ls, ...p.ps], 99) <= GOAL_P99_MS;
}

async function main(): Promise<void> {
  let cp: HollowControlPlane | undefined;
  let fleet: HollowFleet | undefined;
  try {
    say(`api read benchmark: ${CLIENTS} clients, ${SECONDS} s per phase, ${NODES} HOLLOW nodes (SIMULATED runtime), ${TASKS} tasks (+${SCALE_TASKS} in the scale phase)`);
    cp = await startHollowControlPlane(say);
    fleet = await startHollowFleet({ apiUrl: cp.apiUrl, natsUrl: cp.natsUrl, workerToken: cp.workerToken, nodes: NODES }, say);
    const names = await createServices(cp.apiUrl, "bench-api", SERVICES, Math.floor(TASKS / SERVICES));
    await waitRunning(cp.apiUrl, TASKS, 300_000);
    say(`${TASKS} tasks running; idle phase`);
    const idle = await load(cp.apiUrl, names, "idle cluster", SECONDS);
    say(`scale phase: ${SCALE_TASKS} more tasks created while the load runs`);
    const scaling = createServices(cp.apiUrl, "bench-api-scale", SERVICES, Math.floor(SCALE_TASKS / SERVICES));
    const busy = await load(cp.apiUrl, names, "during a scale-up", SECONDS);
    await scaling;
    const after = await running(cp.apiUrl);
    const ok = report(idle);
    report(busy);
    console.log(`  (${after} of ${TASKS + SCALE_TASKS} tasks running when the scale phase ended)`);
    console.log(`\nGoal p99 ≤ ${GOAL_P99_MS} ms on the idle cluster: ${ok ? "met" : "NOT met"}`);
  } finally {
    agent.destroy();
    await fleet?.stop().catch(() => undefined);
    await cp?.stop().catch(() => undefined);
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
