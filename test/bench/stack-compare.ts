/*
 * Stack benchmark (issue #18), on the same engine in the same run, median of BENCH_RUNS (default
 * 3): one compose file of 10 services × 5 replicas (50 tasks) on the stack's default overlay
 * network, from starting the CLI's `stack deploy` to all 50 tasks running — `swarm stack deploy`
 * against `swarm up`'s processes (secured bus, the CLI over the api's socket) and `docker stack
 * deploy` on Docker Swarm mode. Each run removes its stack and waits for its containers to go.
 * The engine is put in swarm mode only if it is not, and left as it was found: run it under
 * `flock /work/wt/swarm-mode.lock` when the engine is shared.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Docker from "dockerode";
import { requestApi } from "../../cli/http-request.js";
import { startLocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { containersOfNode, removeNodeNetworks, unmountUnder } from "../helpers/cluster.js";
import { median, swarmState, until } from "./engine-bench.js";

const exec = promisify(execFile);
const docker = new Docker();
const SERVICES = Number(process.env.BENCH_SERVICES ?? 10);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TASKS = SERVICES * REPLICAS;
const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));

/** The compose file both deploy: `version` for docker's loader (the compose spec ignores it). */
function composeFile(): string {
  const svc = (i: number) => `  s${i}:
    image: jetswarm-test/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    deploy:
      replicas: ${REPLICAS}
`;
  // A subnet of its own: Swarm's and other clusters' networks on this engine take 10.0.x.0/24.
  const net = `networks:\n  default:\n    ipam:\n      config:\n        - subnet: 10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}.0/24\n`;
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

async function jetswarmRun(socketUrl: string, nodeId: string, file: string, name: string): Promise<number> {
  const swarm = (...args: string[]) => exec(process.execPath, [CLI, "--host", socketUrl, ...args]);
  const filters = (f: object) => encodeURIComponent(JSON.stringify(f));
  return timed(
    () => swarm("stack", "deploy", "-c", file, name),
    async () => {
      const services = await getJson<{ ID: string }[]>(socketUrl, `/services?filters=${filters({ label: [`com.docker.stack.namespace=${name}`] })}`);
      if (services.length < SERVICES) return [];
      return getJson<Tasks>(socketUrl, `/tasks?filters=${filters({ service: services.map((s) => s.ID), "desired-state": ["running"] })}`);
    },
    () => swarm("stack", "rm", name),
    async () => (await docker.listContainers({ all: true, filters: { label: [`jetswarm.node.id=${nodeId}`] } }))
      .filter((c) => c.Labels["jetswarm.service.name"]?.startsWith(`${name}_`)).length === 0,
  );
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

async function getJson<T>(socketUrl: string, path: string): Promise<T> {
  const res = await requestApi(socketUrl, path, { method: "GET" });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * Other clusters on this engine make their first overlay as bridge `jsbr4098` on 10.0.1.0/24: a few
 * networks no task uses take the lowest VNIs and subnets first (no bridge is made for them), so
 * the stack's network does not collide with theirs.
 */
async function holdVnis(socketUrl: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await requestApi(socketUrl, "/networks/create", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ Name: `hold${i}` }) });
    if (res.status !== 201) throw new Error(`network create: ${res.status} ${await res.text()}`);
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-stack-"));
  const file = join(dataDir, "stack.yml");
  writeFileSync(file, composeFile());
  const cluster = await startLocalCluster({ dataDir: join(dataDir, "cluster"), natsPort: await freePort(), apiPort: await freePort(), nodeName: "bench" });
  await holdVnis(cluster.socketUrl, 20 + Math.floor(Math.random() * 60));
  const wasSwarm = (await swarmState(docker)) === "active";
  const r = { js: [] as number[], swarm: [] as number[] };
  try {
    if (!wasSwarm) await exec("docker", ["swarm", "init", "--advertise-addr", "127.0.0.1"]);
    for (let i = 0; i < RUNS; i++) {
      const sw = await swarmRun(file, `benchsw${i}`);
      const js = await jetswarmRun(cluster.socketUrl, cluster.nodeId, file, `benchjs${i}`);
      r.swarm.push(sw); r.js.push(js);
      process.stderr.write(`run ${i + 1}/${RUNS}: jetswarm ${js.toFixed(0)} ms, Swarm ${sw.toFixed(0)} ms\n`);
    }
  } finally {
    if (!wasSwarm) await exec("docker", ["swarm", "leave", "--force"]).catch(() => {});
    await cluster.stop();
    for (const c of await containersOfNode(cluster.nodeId)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    await removeNodeNetworks(cluster.nodeId);
    await unmountUnder(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const js = median(r.js), sw = median(r.swarm);
  const row = (name: string, ms: number) => `${name.padEnd(44)}${(ms / 1000).toFixed(2).padStart(8)} s`;
  process.stdout.write([
    `stack deploy of ${SERVICES} services × ${REPLICAS} replicas → ${TASKS} tasks running (median of ${RUNS})`,
    row("swarm stack deploy (jetswarm)", js),
    row("docker stack deploy (Swarm)", sw),
    `jetswarm / Swarm                 = ${(js / sw).toFixed(2)}   (goal ≤ 0.50)`,
  ].join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
