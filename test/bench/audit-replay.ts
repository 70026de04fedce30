/*
 * Audit replay benchmark (`npm run bench:audit`): BENCH_EVENTS (default 1,000,000) realistic events
 * (test/bench/audit-log.ts) appended to a fresh nats-server's EVENTS stream, then the api as its own
 * process, and `GET /jetswarm/audit/state?at=seq:<head>` timed: events replayed per second (goal ≥ 200,000).
 * Also times `POST /jetswarm/audit/verify` over the same log (schemas, producers, history, hash chain).
 *
 * GENERATION ONLY: the events are appended in batches WITHOUT expectations or message ids (the
 * log is made up in advance and written by one writer, so there is nothing to conflict with).
 * The control plane never appends this way; this is a shortcut to fill the log quickly.
 *
 * Env (defaults): BENCH_EVENTS=1000000, BENCH_SERVICES=500, BENCH_REPLICAS=10, BENCH_NODES=100,
 * BENCH_RUNS=2 (timed state requests), BENCH_TIMEOUT_S=600 (the whole run: 4 minutes measured on the shared
 * 2-core machine at load average ~10, generation being half of it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { STREAMS } from "../../schemas/index.js";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { freePort, projectRoot, startNatsServer, type NatsServerHandle } from "../../deploy/launcher/nats-server.js";
import { auditLog } from "./audit-log.js";

const env = (k: string, d: number) => {
  const v = Number(process.env[k] ?? d);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${k}: must be a positive integer (got ${process.env[k]})`);
  return v;
};
const EVENTS = env("BENCH_EVENTS", 1_000_000);
const SHAPE = { events: EVENTS, services: env("BENCH_SERVICES", 500), replicas: env("BENCH_REPLICAS", 10), nodes: env("BENCH_NODES", 100) };
const RUNS = env("BENCH_RUNS", 2);
const TIMEOUT_S = env("BENCH_TIMEOUT_S", 600);
const GOAL = 200_000;
/** Publishes in flight during generation. */
const WINDOW = 2048;

const t0 = performance.now();
const say = (m: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}`);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

let nats: NatsServerHandle | undefined;
let dataDir: string | undefined;
let nc: NatsConnection | undefined;
let api: ChildProcess | undefined;

async function cleanup(): Promise<void> {
  if (api && api.exitCode === null) {
    const exited = new Promise((r) => api!.once("exit", r));
    api.kill("SIGTERM");
    await exited;
  }
  await nc?.close().catch(() => undefined);
  await nats?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

async function generate(conn: NatsConnection): Promise<number> {
  const js = jetstream(conn);
  const inflight = new Set<Promise<unknown>>();
  let n = 0;
  for (const m of auditLog(SHAPE)) {
    if (n >= EVENTS) break;
    const p = js.publish(m.subject, m.data, { timeout: 30_000 }).then(() => { inflight.delete(p); });
    inflight.add(p);
    if (inflight.size >= WINDOW) await Promise.race(inflight);
    if (++n % 100_000 === 0) say(`appended ${fmt(n)} events`);
  }
  await Promise.all(inflight);
  return n;
}

async function waitForApi(url: string): Promise<void> {
  const deadline = Date.now() + TIMEOUT_S * 1000;
  for (;;) {
    if (api?.exitCode !== null) throw new Error(`the api exited (${api?.exitCode}) before it listened`);
    try {
      if ((await fetch(`${url}/_ping`)).ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error("the api did not listen in time");
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** A request, timed by the wall clock and by the api process's CPU (the machine is shared: CPU is the steadier figure). */
async function timed(url: string, method = "GET"): Promise<{ ms: number; cpuS: number; bytes: number; body: any }> {
  const cpu0 = cpuSeconds(api!.pid!);
  const start = performance.now();
  const res = await fetch(url, { method });
  const text = await res.text();
  const ms = performance.now() - start;
  const cpuS = cpuSeconds(api!.pid!) - cpu0;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 200)}`);
  return { ms, cpuS, bytes: text.length, body: JSON.parse(text) };
}

async function main(): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-audit-"));
  nats = await startNatsServer({ dataDir });
  nc = await connectNats({ url: nats.url, name: "bench-audit" });
  await ensureStreams(nc);
  say(`nats-server on ${nats.url}; generating ${fmt(EVENTS)} events (${SHAPE.services} services × ${SHAPE.replicas} replicas, ${SHAPE.nodes} nodes)`);
  const g0 = performance.now();
  const written = await generate(nc);
  const info = await (await jetstreamManager(nc)).streams.info(STREAMS.events);
  const head = info.state.last_seq;
  say(`appended ${fmt(written)} events in ${((performance.now() - g0) / 1000).toFixed(1)} s; EVENTS holds ${fmt(info.state.messages)} (${(info.state.bytes / 2 ** 20).toFixed(0)} MiB), head ${head}`);
  if (head !== written) throw new Error(`EVENTS head ${head} differs from ${written} appended`);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const a0 = performance.now();
  api = spawn(process.execPath, [join(projectRoot(), "dist/services/api/main.js")], {
    env: { ...process.env, SWARM_NATS_URL: nats.url, SWARM_API_ADDR: `127.0.0.1:${port}`, SWARM_API_INSECURE_HTTP: "1", SWARM_INSTANCE_ID: "api-bench" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitForApi(url);
  say(`api listening after ${((performance.now() - a0) / 1000).toFixed(1)} s (its own start-up replay of the log)`);

  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const r = await timed(`${url}/jetswarm/audit/state?at=seq:${head}`);
    rates.push(head / (r.ms / 1000));
    cpuRates.push(head / r.cpuS);
    say(`GET /jetswarm/audit/state?at=seq:${head}: ${(r.ms / 1000).toFixed(2)} s wall (${fmt(rates.at(-1)!)} events/s), ` +
      `${r.cpuS.toFixed(2)} s api CPU (${fmt(cpuRates.at(-1)!)} events per CPU-second); ` +
      `answer ${(r.bytes / 2 ** 20).toFixed(1)} MiB: ${r.body.services.length} services, ${r.body.tasks.length} tasks, ${r.body.nodes.length} nodes`);
  }
  const v = await timed(`${url}/jetswarm/audit/verify`, "POST");
  say(`POST /jetswarm/audit/verify: ${(v.ms / 1000).toFixed(2)} s wall (${fmt(head / (v.ms / 1000))} events/s), ${v.cpuS.toFixed(2)} s api CPU; ok=${v.body.ok}${v.body.bad ? ` bad=${JSON.stringify(v.body.bad)}` : ""}`);

  /** The lower middle value: with two runs, the slower one. */
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)]!;
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log("");
  console.log(`audit replay over ${fmt(head)} events: median ${fmt(median(rates))} events/s (best ${fmt(Math.max(...rates))}) by the wall clock, ` +
    `${fmt(median(cpuRates))} events per api CPU-second; goal ≥ ${fmt(GOAL)} events/s: ${median(rates) >= GOAL ? "met" : "NOT met"} (load average ${load})`);
}

const watchdog = setTimeout(() => {
  console.error(`bench:audit: timed out after ${TIMEOUT_S} s`);
  void cleanup().finally(() => process.exit(1));
}, TIMEOUT_S * 1000);
main()
  .catch((err: unknown) => { console.error(`bench:audit failed: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; })
  .finally(async () => { clearTimeout(watchdog); await cleanup(); });
