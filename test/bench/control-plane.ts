/*
 * Control-plane resilience benchmark (`npm run bench:control-plane`), every service a real process:
 *  (a) scheduler takeover: two scheduler processes (active + standby on the lease), kill -9 of the
 *      active one, then a task created that waits for placement: time from the kill to the first
 *      TaskAssigned by the standby. BENCH_TAKEOVER_ROUNDS rounds (default 5), median reported.
 *  (b) restart over a long log: BENCH_EVENTS events (default 1,000,000; see long-log.ts — written
 *      in windows without expectations, bench only), then for api, scheduler, orchestrator and
 *      dispatcher: time from spawn to the service's ready line, once after deleting every snapshot
 *      (full replay; that run writes a snapshot) and once from that snapshot.
 * Each service runs alone against the log, and is killed once measured. No container runs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { deleteAllSnapshots, Informer, SnapshotStore } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { freePort, startNatsServer, type NatsServerHandle } from "../../deploy/launcher/nats-server.js";
import { emitter } from "../helpers/emit.js";
import { spawnService, type LogRecord, type ServiceProcess } from "../helpers/service-process.js";
import { writeLongLog } from "./long-log.js";

const num = (k: string, d: number) => { const v = Number(process.env[k] ?? d); if (!(v > 0)) throw new Error(`${k} must be positive`); return v; };
const ROUNDS = num("BENCH_TAKEOVER_ROUNDS", 5);
const EVENTS = num("BENCH_EVENTS", 1_000_000);
const say = (m: string) => process.stderr.write(`[bench:control-plane] ${m}\n`);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The line each service logs once it has synced and started working. */
const READY: Record<string, (r: LogRecord) => boolean> = {
  api: (r) => r.msg === "listening",
  scheduler: (r) => r.msg === "scheduler running",
  orchestrator: (r) => r.msg === "synced",
  dispatcher: (r) => r.msg === "dispatcher running",
};

async function withNats<T>(name: string, fn: (url: string, nc: NatsConnection) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `jetswarm-bench-${name}-`));
  let nats: NatsServerHandle | undefined;
  let nc: NatsConnection | undefined;
  try {
    nats = await startNatsServer({ dataDir: dir, logFile: join(dir, "nats-server.log") });
    nc = await connectNats({ url: nats.url, name: `bench-${name}` });
    await ensureStreams(nc);
    return await fn(nats.url, nc);
  } finally {
    await nc?.drain().catch(() => undefined);
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function takeover(url: string, nc: NatsConnection): Promise<number[]> {
  const store = new JetStreamEventStore(nc);
  const view = new Informer(store);
  const assigned = new Map<string, { actor: string; at: number }>();
  view.onEvent((e) => { if (e.event.type === "TaskAssigned") assigned.set(e.event.data.taskId, { actor: e.event.actor.id, at: performance.now() }); });
  await view.start();
  const emit = emitter(store, view, "bench");
  await emit("ClusterInitialized", "cluster", "c", { clusterId: "c", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 });
  await emit("NodeJoined", "node", "n1", { nodeId: "n1", name: "n1", role: "worker", availability: "active" });
  await emit("NodeRegistered", "node", "n1", { nodeId: "n1", addr: "127.0.0.1", description: { hostname: "n1", os: "linux", architecture: "x86_64", nanoCpus: 4e9, memoryBytes: 2 ** 33, engineVersion: "bench", engineLabels: {} } });
  await emit("NodeStatusChanged", "node", "n1", { nodeId: "n1", state: "ready", message: "" });
  const procs: ServiceProcess[] = [];
  const spawn = (i: number) => { const p = spawnService("scheduler", `scheduler-${i}`, { SWARM_NATS_URL: url }); procs.push(p); return p; };
  const out: number[] = [];
  try {
    let active = spawn(0);
    await active.waitForLog((r) => r.msg === "lease acquired: active");
    for (let i = 1; i <= ROUNDS; i++) {
      const standby = spawn(i);
      await standby.waitForLog((r) => r.msg === "scheduler running" && r.active === false);
      const killedAt = performance.now();
      await active.kill("SIGKILL");
      const taskId = `task-${i}`;
      await emit("TaskCreated", "task", taskId, { taskId, serviceId: "s", serviceName: "s", slot: i, spec: { ContainerSpec: { Image: "img" } }, specVersion: 1, desiredState: "running", state: "pending" });
      const deadline = performance.now() + 30_000;
      while (!assigned.has(taskId) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const a = assigned.get(taskId);
      if (!a || a.actor !== standby.instanceId) throw new Error(`round ${i}: ${taskId} placed by ${a?.actor ?? "nobody"}, not ${standby.instanceId}`);
      out.push(a.at - killedAt);
      say(`takeover ${i}/${ROUNDS}: ${sec(a.at - killedAt)}`);
      active = standby;
    }
  } finally {
    for (const p of procs) await p.kill();
    await view.stop();
  }
  return out;
}

interface Restart { readyMs: number; syncedMs: number; replayed: number; fromSnapshot: number }

async function restartOnce(service: string, url: string, waitSnapshot: boolean): Promise<Restart & { snapshotMs?: number }> {
  const env: Record<string, string> = { SWARM_NATS_URL: url, SWARM_LOG_LEVEL: "info" };
  if (service === "api") Object.assign(env, { SWARM_API_ADDR: `127.0.0.1:${await freePort()}`, SWARM_API_INSECURE_HTTP: "1" });
  const p = spawnService(service, `${service}-bench`, env);
  try {
    const ready = await p.waitForLog(READY[service]!, 600_000);
    const synced = (await p.waitForLog((r) => r.msg === "projection synced")).rec;
    const written = waitSnapshot ? (await p.waitForLog((r) => r.msg === "snapshot written", 300_000)).rec : undefined;
    return {
      readyMs: ready.at - p.spawnedAt, syncedMs: Number(synced.ms), replayed: Number(synced.replayed), fromSnapshot: Number(synced.fromSnapshot),
      ...(written ? { snapshotMs: Number(written.ms) } : {}),
    };
  } finally {
    await p.kill();
  }
}

async function restarts(url: string, nc: NatsConnection): Promise<{ rows: [string, Restart, Restart][]; events: number; bytes: number }> {
  const t0 = performance.now();
  let last = 0;
  const events = await writeLongLog(nc, { events: EVENTS, progress: (n) => { if (n - last >= 100_000) { last = n; say(`log: ${n} events`); } } });
  say(`log of ${events} events written in ${sec(performance.now() - t0)}`);
  const rows: [string, Restart, Restart][] = [];
  let bytes = 0;
  for (const service of ["api", "scheduler", "orchestrator", "dispatcher"]) {
    await deleteAllSnapshots(nc);
    const cold = await restartOnce(service, url, true);
    say(`${service}: no snapshot ${sec(cold.readyMs)} (replayed ${cold.replayed}; snapshot written in ${sec(cold.snapshotMs ?? 0)})`);
    bytes = (await (await SnapshotStore.open(nc, { writer: "bench" })).latest())?.bytes ?? 0;
    const warm = await restartOnce(service, url, false);
    say(`${service}: from snapshot ${sec(warm.readyMs)} (from seq ${warm.fromSnapshot}, replayed ${warm.replayed})`);
    if (warm.fromSnapshot === 0) throw new Error(`${service} did not start from the snapshot`);
    rows.push([service, cold, warm]);
  }
  return { rows, events, bytes };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const takeoverMs = await withNats("takeover", takeover);
  const r = await withNats("restart", restarts);
  const pad = (s: string, n: number) => s.padEnd(n);
  const lines = [
    "",
    `scheduler takeover after kill -9 of the active process (lease ttl 3 s): median ${sec(median(takeoverMs))} of ${takeoverMs.length} (${takeoverMs.map((x) => (x / 1000).toFixed(2)).join(", ")} s)`,
    "",
    `restart over a log of ${r.events.toLocaleString("en")} events (snapshot: ${(r.bytes / 2 ** 20).toFixed(1)} MiB gzipped), spawn → ready line:`,
    `${pad("service", 14)}${pad("no snapshot", 14)}${pad("(replayed)", 14)}${pad("from snapshot", 16)}${pad("(replayed)", 12)}speed-up`,
    ...r.rows.map(([s, c, w]) => `${pad(s, 14)}${pad(sec(c.readyMs), 14)}${pad(c.replayed.toLocaleString("en"), 14)}${pad(sec(w.readyMs), 16)}${pad(w.replayed.toLocaleString("en"), 12)}${(c.readyMs / w.readyMs).toFixed(1)}×`),
    "",
    `total bench time ${sec(performance.now() - t0)}`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((err) => { process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`); process.exit(1); });
