/*
 * Benchmark: time from "create a service of N replicas" to N running, for jetswarm, for Docker
 * Swarm mode on the same engine, and for N parallel `docker run -d`. Same image and command for
 * all three (one that exits promptly on SIGTERM). Median of BENCH_RUNS runs (default 3).
 * The engine is put in swarm mode only if it is not, and left as it was found.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { startLocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";

const exec = promisify(execFile);
const docker = new Docker();
const N = Number(process.env.BENCH_REPLICAS ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IMAGE = "jetswarm-test/busybox:1";
const CMD = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function until(cond: () => Promise<boolean>, timeoutMs = 300_000, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("benchmark step timed out");
    await sleep(pollMs);
  }
}

async function containersWithLabel(label: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [label] } });
}

async function jetswarmRun(apiUrl: string, nodeId: string, i: number): Promise<number> {
  const name = `bench-js-${i}`;
  const spec = { Name: name, Mode: { Replicated: { Replicas: N } }, TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: CMD } } };
  const filters = encodeURIComponent(JSON.stringify({ service: [name], "desired-state": ["running"] }));
  const t0 = performance.now();
  const res = await fetch(`${apiUrl}/services/create`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  if (!res.ok) throw new Error(`create failed: ${await res.text()}`);
  await until(async () => {
    const tasks = (await (await fetch(`${apiUrl}/tasks?filters=${filters}`)).json()) as { Status: { State: string } }[];
    return tasks.filter((t) => t.Status.State === "running").length === N;
  });
  const ms = performance.now() - t0;
  await fetch(`${apiUrl}/services/${name}`, { method: "DELETE" });
  await until(async () => (await containersWithLabel(`jetswarm.service.name=${name}`)).filter((c) => c.Labels["jetswarm.node.id"] === nodeId).length === 0);
  return ms;
}

async function swarmRun(i: number): Promise<number> {
  const name = `bench-swarm-${i}`;
  const t0 = performance.now();
  await docker.createService({ Name: name, Mode: { Replicated: { Replicas: N } }, TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: CMD } } });
  await until(async () => {
    const tasks = (await docker.listTasks({ filters: { service: [name], "desired-state": ["running"] } })) as { Status?: { State?: string } }[];
    return tasks.filter((t) => t.Status?.State === "running").length === N;
  });
  const ms = performance.now() - t0;
  await docker.getService(name).remove();
  await until(async () => (await containersWithLabel(`com.docker.swarm.service.name=${name}`)).length === 0);
  return ms;
}

async function rawRun(i: number): Promise<number> {
  const label = `jetswarm.bench.raw=${i}`;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: N }, (_, k) => new Promise<void>((resolve, reject) => {
    const p = spawn("docker", ["run", "-d", "--label", label, "--name", `bench-raw-${i}-${k}`, IMAGE, ...CMD], { stdio: "ignore" });
    p.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`docker run exited ${code}`))));
  })));
  const ms = performance.now() - t0;
  const ids = (await containersWithLabel(label)).map((c) => c.Id);
  if (ids.length) await exec("docker", ["rm", "-f", ...ids]);
  return ms;
}

async function swarmState(): Promise<string> {
  return ((await docker.info()) as { Swarm?: { LocalNodeState?: string } }).Swarm?.LocalNodeState ?? "inactive";
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-"));
  const cluster = await startLocalCluster({ dataDir, natsPort: await freePort(), apiPort: await freePort(), nodeName: "bench" });
  const wasSwarm = (await swarmState()) === "active";
  const results = { jetswarm: [] as number[], swarm: [] as number[], raw: [] as number[] };
  try {
    if (!wasSwarm) await exec("docker", ["swarm", "init", "--advertise-addr", "127.0.0.1"]);
    for (let i = 0; i < RUNS; i++) {
      results.raw.push(await rawRun(i));
      results.swarm.push(await swarmRun(i));
      results.jetswarm.push(await jetswarmRun(cluster.apiUrl, cluster.nodeId, i));
      process.stderr.write(`run ${i + 1}/${RUNS}: jetswarm ${results.jetswarm[i]!.toFixed(0)} ms, swarm ${results.swarm[i]!.toFixed(0)} ms, docker run ${results.raw[i]!.toFixed(0)} ms\n`);
    }
  } finally {
    if (!wasSwarm) await exec("docker", ["swarm", "leave", "--force"]).catch(() => {});
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const js = median(results.jetswarm), sw = median(results.swarm), raw = median(results.raw);
  const row = (name: string, ms: number) => `${name.padEnd(34)}${(ms / 1000).toFixed(2).padStart(8)} s`;
  process.stdout.write([
    `create ${N} replicas → ${N} running (median of ${RUNS}; image ${IMAGE})`,
    row("jetswarm service create", js),
    row("docker service create (Swarm mode)", sw),
    row(`${N} × parallel docker run -d`, raw),
    `jetswarm / Swarm      = ${(js / sw).toFixed(2)}   (goal ≤ 0.50)`,
    `jetswarm / docker run = ${(js / raw).toFixed(2)}   (goal ≤ 1.25)`,
  ].join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
