/*
 * Stack benchmark (issue #18), on the same engine in the same run, median of BENCH_RUNS (default
 * 3): one compose file of 10 services × 5 replicas (50 tasks) on the stack's default overlay
 * network, from starting the CLI's `stack deploy` to all 50 tasks running — `swarm stack deploy`
 * against `swarm up`'s processes (secured bus, the CLI over the api's socket) and `docker stack
 * deploy` on Docker Swarm mode; and the raw floor: 50 `docker run -d` on a user bridge network at
 * once. The jetswarm half also runs the same 50 tasks shaped otherwise (stack-scenarios.ts) and
 * prints each run's timeline (stack-timeline.ts). Each run removes its stack and waits for its
 * containers to go.
 * BENCH_SWARM=0: the jetswarm half only (no swarm mode). BENCH_SCENARIOS=stack,api-net,…: which
 * jetswarm runs (default all). Otherwise the engine is put in swarm mode only if it is not, and left
 * as it was found: run it under `flock /work/wt/swarm-mode.lock` when the engine is shared.
 */
import { execFile, spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { startLocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { containersOfNode, removeNodeNetworks, unmountUnder } from "../helpers/cluster.js";
import { median, swarmState, until } from "./engine-bench.js";
import { CMD, IMAGE, runScenario, scenarios, type Scenario } from "./stack-scenarios.js";
import { formatTimeline, medianTimeline, type Timeline } from "./stack-timeline.js";

const exec = promisify(execFile);
const docker = new Docker();
const SERVICES = Number(process.env.BENCH_SERVICES ?? 10);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TASKS = SERVICES * REPLICAS;
const WITH_SWARM = process.env.BENCH_SWARM !== "0";
const ONLY = process.env.BENCH_SCENARIOS?.split(",").filter(Boolean);
/** BENCH_RAW=0: no docker run floor. BENCH_KEEP_LOGS=<dir>: the cluster's logs are copied there at the end. */
const WITH_RAW = process.env.BENCH_RAW !== "0";
const KEEP_LOGS = process.env.BENCH_KEEP_LOGS;

/** The compose file both deploy: `version` for docker's loader (the compose spec ignores it). */
function composeFile(subnet?: string): string {
  const svc = (i: number) => `  s${i}:
    image: ${IMAGE}
    command: ${JSON.stringify(CMD)}
    deploy:
      replicas: ${REPLICAS}
`;
  const net = subnet ? `networks:\n  default:\n    ipam:\n      config:\n        - subnet: ${subnet}\n` : "";
  return `version: "3.8"\nservices:\n${Array.from({ length: SERVICES }, (_, i) => svc(i)).join("")}${net}`;
}

type Tasks = { Status?: { State?: string; Err?: string } }[];

/** `deploy` → all TASKS running; then `remove` and wait until `containersGone`. */
async function timed(deploy: () => Promise<unknown>, tasks: () => Promise<Tasks>, remove: () => Promise<unknown>, containersGone: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  await deploy();
  await until(async () => {
    const list = await tasks();
    // A pending task's Err explains a wait (no node ready yet); only a failed or rejected one ends the run.
    const failed = list.find((t) => t.Status?.State === "failed" || t.Status?.State === "rejected");
    if (failed) throw new Error(`a task failed: ${failed.Status?.Err}`);
    return list.filter((t) => t.Status?.State === "running").length === TASKS;
  });
  const ms = performance.now() - t0;
  await remove();
  await until(containersGone);
  return ms;
}

async function swarmRun(file: string, name: string): Promise<number> {
  const ns = `com.docker.stack.namespace=${name}`;
  return timed(
    () => exec("docker", ["stack", "deploy", "-c", file, name]),
    async () => (await docker.listTasks({ filters: { label: [ns], "desired-state": ["running"] } })) as Tasks,
    () => exec("docker", ["stack", "rm", name]),
    async () => (await docker.listContainers({ all: true, filters: { label: [ns] } })).length === 0 &&
      (await docker.listNetworks({ filters: { label: [ns] } })).length === 0,
  );
}

/** The floor: TASKS containers created and started at once on one user bridge network, straight to the engine. */
async function rawRun(i: number): Promise<number> {
  const label = `jetswarm.bench.stack-raw=${i}`;
  const net = `jsbench-stack-raw-${i}`;
  await docker.createNetwork({ Name: net, Driver: "bridge", Labels: { "jetswarm.bench": "stack-raw" } });
  try {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: TASKS }, (_, k) => new Promise<void>((resolve, reject) => {
      const p = spawn("docker", ["run", "-d", "--network", net, "--label", label, "--name", `jsbench-stack-raw-${i}-${k}`, IMAGE, ...CMD], { stdio: "ignore" });
      p.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`docker run exited ${code}`))));
    })));
    return performance.now() - t0;
  } finally {
    const ids = (await docker.listContainers({ all: true, filters: { label: [label] } })).map((c) => c.Id);
    if (ids.length) await exec("docker", ["rm", "-f", ...ids]);
    await docker.getNetwork(net).remove().catch(() => undefined);
  }
}

const row = (name: string, ms: number) => `${name.padEnd(44)}${(ms / 1000).toFixed(2).padStart(8)} s`;

interface Results { swarm: number[]; raw: number[]; js: Map<string, { ms: number[]; timelines: Timeline[] }> }

async function jetswarmRuns(chosen: Scenario[], target: Parameters<typeof runScenario>[0], i: number, r: Results): Promise<void> {
  for (const s of chosen) {
    const { ms, timeline } = await runScenario(target, s, `b${s.key.replace(/-/g, "")}${i}`);
    const mine = r.js.get(s.key) ?? { ms: [], timelines: [] };
    mine.ms.push(ms); mine.timelines.push(timeline);
    r.js.set(s.key, mine);
    process.stderr.write(`run ${i + 1}/${RUNS} ${s.title}: ${(ms / 1000).toFixed(1)} s — ${formatTimeline(timeline, s.shape.services * s.shape.replicas)}\n`);
  }
}

function report(chosen: Scenario[], r: Results): string {
  const lines = [`stack deploy of ${SERVICES} services × ${REPLICAS} replicas → ${TASKS} tasks running (median of ${RUNS}${WITH_SWARM ? "" : "; BENCH_SWARM=0: no Swarm"})`];
  for (const s of chosen) lines.push(row(s.title, median(r.js.get(s.key)!.ms)));
  if (WITH_RAW) lines.push(row(`${TASKS} × parallel docker run -d --network <bridge>`, median(r.raw)));
  const js = r.js.get("stack");
  if (WITH_SWARM) lines.push(row("docker stack deploy (Swarm)", median(r.swarm)));
  if (WITH_SWARM && js) lines.push(`jetswarm / Swarm                 = ${(median(js.ms) / median(r.swarm)).toFixed(2)}   (goal ≤ 0.50)`);
  if (WITH_RAW && js) lines.push(`jetswarm / docker run            = ${(median(js.ms) / median(r.raw)).toFixed(2)}`);
  lines.push("", "timelines (s since the deploy started; median of the runs):");
  for (const s of chosen) lines.push(`  ${s.title}: ${formatTimeline(medianTimeline(r.js.get(s.key)!.timelines), s.shape.services * s.shape.replicas)}`);
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-stack-"));
  const file = join(dataDir, "stack.yml");
  writeFileSync(file, composeFile());
  const cluster = await startLocalCluster({ dataDir: join(dataDir, "cluster"), natsPort: await freePort(), apiPort: await freePort(), nodeName: "bench" });
  const jsFile = join(dataDir, "stack-js.yml");
  const target = { socketUrl: cluster.socketUrl, nodeId: cluster.nodeId, composeFile: (subnet: string) => { writeFileSync(jsFile, composeFile(subnet)); return jsFile; } };
  const chosen = scenarios(target, { services: SERVICES, replicas: REPLICAS }).filter((s) => !ONLY || ONLY.includes(s.key));
  const wasSwarm = (await swarmState(docker)) === "active";
  const r: Results = { swarm: [], raw: [], js: new Map() };
  try {
    if (!wasSwarm && WITH_SWARM) await exec("docker", ["swarm", "init", "--advertise-addr", "127.0.0.1"]);
    for (let i = 0; i < RUNS; i++) {
      if (WITH_RAW) r.raw.push(await rawRun(i));
      if (WITH_SWARM) r.swarm.push(await swarmRun(file, `benchsw${i}`));
      if (WITH_RAW || WITH_SWARM) process.stderr.write(`run ${i + 1}/${RUNS}: ${WITH_SWARM ? `Swarm ${r.swarm[i]!.toFixed(0)} ms, ` : ""}docker run ${r.raw[i]?.toFixed(0)} ms\n`);
      await jetswarmRuns(chosen, target, i, r);
    }
  } finally {
    if (!wasSwarm && WITH_SWARM) await exec("docker", ["swarm", "leave", "--force"]).catch(() => {});
    await cluster.stop();
    if (KEEP_LOGS) cpSync(join(dataDir, "cluster", "logs"), KEEP_LOGS, { recursive: true });
    for (const c of await containersOfNode(cluster.nodeId)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    await removeNodeNetworks(cluster.nodeId);
    await unmountUnder(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(report(chosen, r));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
