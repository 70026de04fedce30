/*
 * Control-plane scale benchmark (`npm run bench:scale`), with HOLLOW nodes: the real control
 * plane (nats-server, api, orchestrator, scheduler, dispatcher — separate processes) and
 * BENCH_NODES real agents in worker threads of this process (BENCH_AGENT_THREADS, default 1) whose container runtime is SIMULATED (HollowExecutor:
 * in-memory containers, no Docker), as Kubernetes' kubemark does. It measures the control plane
 * only; no container runs anywhere.
 *
 * Env (defaults): BENCH_NODES=1000, BENCH_SERVICES=100, BENCH_TASKS=100000 (replicas per service =
 * tasks / services), BENCH_TIMEOUT_S=900, BENCH_NODES_PER_CONN=1, BENCH_AGENT_THREADS=1, BENCH_POLL_MS=250, BENCH_REPLAY_S=180,
 * BENCH_HEARTBEAT_MS (unset: the cluster default, passed to `swarm init`), BENCH_DUMP (a file: every
 * replayed event appended as one JSON line {seq, ms, event}, for analysis).
 * Reports: tasks/s from the first create to all running (GET /services RunningTasks), placements/s
 * (TaskAssigned by the EVENTS stream's timestamps), p50/p99 of GET /services and of
 * GET /tasks?filters={"service":[…]}, CPU and peak RSS (VmHWM) of every control-plane process.
 */
import { setMaxListeners } from "node:events";
import { writeHeapSnapshot } from "node:v8";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { NODE_TASK_SHARD_IDS, STREAMS, nodeTasksStream } from "../../schemas/index.js";
import { connectNats } from "../../services/shared/nats/index.js";
import { startHollowFleet, pool, type HollowFleet } from "./hollow-agents.js";
import { startHollowControlPlane, postJson, type HollowControlPlane } from "./hollow-cluster.js";
import { BENCH_SECURE } from "./hollow-security.js";
import { join } from "node:path";
import { consumerBacklog, CpuSampler, env, memoryMiB, percentile, replayTaskEvents, timedGet, type CpuReport, type EventRate } from "./hollow-probes.js";

const NODES = env("BENCH_NODES", 1000);
const SERVICES = env("BENCH_SERVICES", 100);
const TASKS = env("BENCH_TASKS", 100_000);
const TIMEOUT_S = env("BENCH_TIMEOUT_S", 900);
const PER_CONN = env("BENCH_NODES_PER_CONN", 1);
const THREADS = env("BENCH_AGENT_THREADS", 1);
const POLL_MS = env("BENCH_POLL_MS", 250);
const REPLAY_S = env("BENCH_REPLAY_S", 180);
/** Optional: the cluster's heartbeat period (`swarm init`); unset = jetswarm's default. */
const HEARTBEAT_MS = process.env.BENCH_HEARTBEAT_MS ? env("BENCH_HEARTBEAT_MS", 2000) : undefined;
const REPLICAS = Math.floor(TASKS / SERVICES);
const TOTAL = REPLICAS * SERVICES;
const IMAGE = "hollow/simulated:1";

const ANCHORS = [
  "Nomad C1M (2016): 3,750 containers/s",
  "swarmkit in-memory scheduler micro-benchmark: ~4,400 tasks/s",
  "Kubernetes scheduler_perf: 680–810 pods/s",
  "jetswarm goal: ≥ 5,000 tasks/s",
];

// The agent's TaskRunner adds one abort listener per watched container to a single signal; with
// hundreds of simulated containers per agent Node would warn once per agent.
setMaxListeners(1_000_000);

const t0Process = performance.now();
const say = (msg: string) => console.log(`[${((performance.now() - t0Process) / 1000).toFixed(1).padStart(6)} s] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cp: HollowControlPlane | undefined;
let fleet: HollowFleet | undefined;
let probe: NatsConnection | undefined;
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await fleet?.stop().catch(() => undefined);
    await probe?.close().catch(() => undefined);
    await cp?.stop().catch(() => undefined);
  })();
  return cleaning;
}

interface Service { Spec: { Name: string }; ServiceStatus?: { RunningTasks: number; DesiredTasks: number } }
interface Node { Status: { State: string } }

async function waitNodesReady(apiUrl: string, deadline: number): Promise<void> {
  for (;;) {
    const { body } = await timedGet<Node[]>(`${apiUrl}/nodes`);
    const ready = body.filter((n) => n.Status.State === "ready").length;
    if (ready >= NODES) return;
    if (Date.now() > deadline) throw new Error(`only ${ready} of ${NODES} hollow nodes ready`);
    await sleep(200);
  }
}

interface RunResult { createMs: number; allRunningMs: number; startEpochMs: number; listMs: number[]; psMs: number[] }

/** Creates the services, then polls until every task runs, sampling both read paths. */
async function run(apiUrl: string, deadline: number, cpu: CpuSampler): Promise<RunResult> {
  // Progress lines also show the dispatcher's NODE_STATUS backlog (heartbeats wait behind reports).
  const names = Array.from({ length: SERVICES }, (_, i) => `hollow-svc-${String(i).padStart(4, "0")}`);
  const listMs: number[] = [], psMs: number[] = [];
  const startEpochMs = Date.now();
  const t0 = performance.now();
  const createEach: number[] = [];
  await pool(names, 4, async (Name) => {
    const t = performance.now();
    await postJson(`${apiUrl}/services/create`, { Name, Mode: { Replicated: { Replicas: REPLICAS } }, TaskTemplate: { ContainerSpec: { Image: IMAGE } } });
    createEach.push(performance.now() - t);
  });
  const createMs = performance.now() - t0;
  say(`${SERVICES} services created in ${(createMs / 1000).toFixed(1)} s (each: p50 ${percentile(createEach, 50).toFixed(0)} ms, max ${Math.max(...createEach).toFixed(0)} ms); waiting for ${TOTAL} tasks to run`);
  let lastSay = performance.now();
  for (let i = 0; ; i++) {
    const list = await timedGet<Service[]>(`${apiUrl}/services`);
    listMs.push(list.ms);
    const running = list.body.reduce((n, s) => n + (s.ServiceStatus?.RunningTasks ?? 0), 0);
    if (running >= TOTAL) return { createMs, allRunningMs: performance.now() - t0, startEpochMs, listMs, psMs };
    const filters = encodeURIComponent(JSON.stringify({ service: [names[i % names.length]] }));
    psMs.push((await timedGet<unknown[]>(`${apiUrl}/tasks?filters=${filters}`)).ms);
    if (performance.now() - lastSay > 5000) {
      lastSay = performance.now();
      const backlog = await consumerBacklog(probe!, STREAMS.nodeStatus, "dispatcher-status");
      say(`${running} / ${TOTAL} running (${((performance.now() - t0) / 1000).toFixed(0)} s; GET /services ${list.ms.toFixed(0)} ms; NODE_STATUS backlog ${backlog ?? "?"}; cpu ${cpu.current()})`);
    }
    if (Date.now() > deadline) throw new Error(`timed out with ${running} of ${TOTAL} tasks running (BENCH_TIMEOUT_S=${TIMEOUT_S})`);
    await sleep(POLL_MS);
  }
}

const f0 = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 0 });
const f1 = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 1 });

function printRates(rates: EventRate[], startEpochMs: number): void {
  console.log("\nTask events in EVENTS (by stream timestamp; t = seconds after the first create):");
  console.log("  event                  count     first t   last t    per s (first→last)   peak 1-s");
  for (const r of rates) {
    if (r.count === 0) continue;
    const t = (ms: number) => ((ms - startEpochMs) / 1000).toFixed(2);
    const label = r.type === "running" ? "TaskStatusChanged→running" : r.type === "NodeDown" ? "NodeStatusChanged→down" : r.type;
    console.log(`  ${label.padEnd(22)} ${f0(r.count).padStart(8)}  ${t(r.firstMs).padStart(8)}  ${t(r.lastMs).padStart(8)}  ${f0(r.perSecond).padStart(12)}        ${f0(r.peakPerSecond).padStart(8)}`);
  }
  // Every task is created once; more means replacements (tasks failed, or nodes were marked down).
  const created = rates.find((r) => r.type === "TaskCreated")?.count ?? 0;
  if (created > TOTAL) console.log(`  note: ${f0(created - TOTAL)} TaskCreated beyond the ${f0(TOTAL)} tasks (replacements)`);
}

function printProcesses(cpu: CpuReport[], mem: Map<string, { peak: number } | undefined>): void {
  console.log("\nProcesses (CPU over the run: average and busiest 1-s interval, 100% = one core; peak RSS = VmHWM):");
  for (const c of cpu) {
    const m = mem.get(c.name);
    console.log(`  ${c.name.padEnd(34)} pid ${String(c.pid).padStart(7)}  cpu ${f1(c.cpuS).padStart(6)} s  avg ${f0(c.avgPct).padStart(4)}%  max ${f0(c.maxPct).padStart(4)}%  peak RSS ${f0(m?.peak ?? NaN).padStart(5)} MiB`);
  }
}

function printSummary(r: RunResult, assigned: EventRate | undefined): void {
  const tps = TOTAL / (r.allRunningMs / 1000);
  console.log(`\nResult (${NODES} hollow nodes — SIMULATED runtime —, ${SERVICES} services × ${REPLICAS} replicas = ${TOTAL} tasks):`);
  console.log(`  first create → all ${TOTAL} running: ${(r.allRunningMs / 1000).toFixed(2)} s  →  ${f0(tps)} tasks/s (create requests took ${(r.createMs / 1000).toFixed(2)} s)`);
  if (assigned) console.log(`  scheduler placements: ${f0(assigned.count)} TaskAssigned, ${f0(assigned.perSecond)}/s first→last, peak ${f0(assigned.peakPerSecond)} in one second`);
  console.log(`  GET /services            p50 ${percentile(r.listMs, 50).toFixed(1)} ms  p99 ${percentile(r.listMs, 99).toFixed(1)} ms  (${r.listMs.length} samples)`);
  console.log(`  GET /tasks?service=…     p50 ${percentile(r.psMs, 50).toFixed(1)} ms  p99 ${percentile(r.psMs, 99).toFixed(1)} ms  (${r.psMs.length} samples)`);
  console.log("  anchors (other systems, other hardware):");
  for (const a of ANCHORS) console.log(`    ${a}`);
  console.log(`  → jetswarm here: ${f0(tps)} tasks/s end to end${assigned ? `, ${f0(assigned.perSecond)} placements/s` : ""}`);
}

/** Messages ever stored in NODE_STATUS and in the NODE_TASKS shards (their last sequences). */
async function traffic(nc: NatsConnection): Promise<{ status: number; docs: number }> {
  const jsm = await jetstreamManager(nc);
  let docs = 0;
  for (const shard of NODE_TASK_SHARD_IDS) docs += (await jsm.streams.info(nodeTasksStream(shard))).state.last_seq;
  return { status: (await jsm.streams.info(STREAMS.nodeStatus)).state.last_seq, docs };
}

async function main(): Promise<void> {
  const deadline = Date.now() + TIMEOUT_S * 1000;
  say(`hollow-node scale benchmark: ${NODES} nodes with a SIMULATED container runtime (no Docker), ${SERVICES} services, ${TOTAL} tasks` +
    (HEARTBEAT_MS ? `, heartbeat period ${HEARTBEAT_MS} ms` : ", default heartbeat period") +
    `; bus ${BENCH_SECURE ? "mutual TLS, per-identity users, auth callout per node" : "plaintext (BENCH_INSECURE=1)"}`);
  cp = await startHollowControlPlane(say, HEARTBEAT_MS);
  say(`control plane up (api ${cp.apiUrl}, nats ${cp.natsUrl}); init node ${cp.initNodeId.slice(0, 12)} has no agent and stays unknown`);
  fleet = await startHollowFleet({
    apiUrl: cp.apiUrl, natsUrl: cp.natsUrl, workerToken: cp.workerToken, nodes: NODES, nodesPerConnection: PER_CONN, threads: THREADS,
    ...(cp.natsTls ? { identityDir: join(cp.dataDir, "hollow") } : {}),
  }, say);
  await waitNodesReady(cp.apiUrl, deadline);
  say(`${NODES} hollow nodes ready`);
  probe = await connectNats({ url: cp.natsUrl, name: "bench-probe", ...(cp.natsTls ? { tls: cp.natsTls } : {}) });
  const fromSeq = (await (await jetstreamManager(probe)).streams.info(STREAMS.events)).state.last_seq + 1;
  const trafficBefore = await traffic(probe);
  const pids = () => new Map([...cp!.pids(), [`bench (${NODES} hollow agents)`, process.pid]]);
  const cpu = new CpuSampler(pids);
  // This thread's event-loop delay: how late the benchmark's own requests and polls may be.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const startEpochMs = Date.now();
  let result: RunResult | undefined;
  let failure: unknown;
  try {
    result = await run(cp.apiUrl, deadline, cpu);
    say(`all ${TOTAL} tasks running; ${(await fleet.runningPerNode()).reduce((a, b) => a + b, 0)} containers running in the SIMULATED runtimes`);
    // BENCH_HEAP_SNAPSHOT=<file>: this process's heap (the hollow agents) once everything runs.
    if (process.env.BENCH_HEAP_SNAPSHOT) say(`heap snapshot: ${writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT)}`);
  } catch (err) {
    failure = err;
    say(`run failed (${err instanceof Error ? err.message : String(err)}${err instanceof Error && err.cause ? `: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}` : ""}); partial figures follow`);
  }
  const cpuReport = cpu.report();
  lag.disable();
  const trafficAfter = await traffic(probe);
  const perNode = await fleet.runningPerNode();
  // Warnings of the run only: agents outliving the services at teardown find no dispatcher.
  const warnings = await fleet.problems();
  const mem = new Map([...pids()].map(([name, pid]) => [name, memoryMiB(pid)]));
  // The log is read with the services stopped, so the replay neither competes with nor waits for them.
  // Services stop BEFORE the hollow agents: agents stopping first miss heartbeats, their nodes are
  // marked down and the orchestrator (correctly) appends a replacement for every task on them —
  // thousands of TaskCreated that are teardown, not the run.
  await cp.stopServices();
  await fleet.stop();
  const tReplay = performance.now();
  const { rates, total, complete } = await replayTaskEvents(probe, fromSeq, REPLAY_S * 1000);
  say(`replayed ${total} events in ${((performance.now() - tReplay) / 1000).toFixed(1)} s${complete ? "" : ` (stopped after BENCH_REPLAY_S=${REPLAY_S}: rates are partial)`}`);
  printRates(rates, startEpochMs);
  printProcesses(cpuReport, mem);
  console.log(`\nMessages stored during the run: ${f0(trafficAfter.status - trafficBefore.status)} agent status messages (NODE_STATUS), ` +
    `${f0(trafficAfter.docs - trafficBefore.docs)} task docs (NODE_TASKS_*)`);
  console.log(`\nSpread: ${Math.min(...perNode)}–${Math.max(...perNode)} simulated containers per hollow node; agent warnings: ${warnings.count}`);
  for (const p of warnings.first) console.log(`  ${p}`);
  if (!result) throw failure;
  console.log(`Benchmark main thread's event-loop delay during the run: p50 ${(lag.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms, max ${(lag.max / 1e6).toFixed(0)} ms`);
  printSummary(result, rates.find((r) => r.type === "TaskAssigned"));
}

const hardStop = setTimeout(() => {
  console.error(`benchmark exceeded BENCH_TIMEOUT_S + BENCH_REPLAY_S + 60 s; cleaning up`);
  void cleanup().finally(() => process.exit(2));
}, (TIMEOUT_S + REPLAY_S + 60) * 1000);
hardStop.unref();
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

main().then(
  async () => { await cleanup(); process.exit(0); },
  async (err: unknown) => {
    console.error(`scale benchmark failed: ${err instanceof Error ? err.message : String(err)}`);
    await cleanup();
    process.exit(1);
  },
);
