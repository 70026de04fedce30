/*
 * Benchmarks, each median of BENCH_RUNS runs (default 3), all on the same engine in the same run:
 *  1. create: time from "create a service of N replicas" to N running, for jetswarm, for Docker
 *     Swarm mode, and for N parallel `docker run -d`;
 *  2. rolling update of those N replicas to another image (parallelism 10, delay 0, monitor 1 s),
 *     from the update request to the update status `completed`, for jetswarm and Docker Swarm.
 * Same image and command for all (one that exits promptly on SIGTERM). The engine is put in
 * swarm mode only if it is not, and left as it was found.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { startLocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { median, swarmState, until } from "./engine-bench.js";
import { dockerCliRun, type CliTimings } from "./docker-cli-bench.js";

const exec = promisify(execFile);
const docker = new Docker();
const N = Number(process.env.BENCH_REPLICAS ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** BENCH_SWARM=0: jetswarm's own figures only (no swarm mode, no raw runs, no docker CLI column): issue #15's security on/off pair. */
const WITH_SWARM = process.env.BENCH_SWARM !== "0";
/** BENCH_CLI=1 (with BENCH_SWARM=0): also jetswarm's half of the docker CLI column, --detach and with the CLI's own progress wait. */
const WITH_CLI = !WITH_SWARM && process.env.BENCH_CLI === "1";
const IMAGE = "jetswarm-test/busybox:1";
const IMAGE2 = "jetswarm-test/busybox:2";
const UPDATE = { Parallelism: 10, Delay: 0, Monitor: 1_000_000_000, FailureAction: "pause", Order: "stop-first" };
const CMD = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];


async function containersWithLabel(label: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [label] } });
}

interface Timings { create: number; update: number }

async function jetswarmRun(apiUrl: string, nodeId: string, i: number): Promise<Timings> {
  const name = `bench-js-${i}`;
  const spec = { Name: name, Mode: { Replicated: { Replicas: N } }, UpdateConfig: UPDATE, TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: CMD } } };
  const filters = encodeURIComponent(JSON.stringify({ service: [name], "desired-state": ["running"] }));
  const t0 = performance.now();
  const res = await fetch(`${apiUrl}/services/create`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
  if (!res.ok) throw new Error(`create failed: ${await res.text()}`);
  await until(async () => {
    const tasks = (await (await fetch(`${apiUrl}/tasks?filters=${filters}`)).json()) as { Status: { State: string } }[];
    return tasks.filter((t) => t.Status.State === "running").length === N;
  });
  const create = performance.now() - t0;
  const svc = (await (await fetch(`${apiUrl}/services/${name}`)).json()) as { Version: { Index: number } };
  const spec2 = { ...spec, TaskTemplate: { ContainerSpec: { Image: IMAGE2, Command: CMD } } };
  const t1 = performance.now();
  const up = await fetch(`${apiUrl}/services/${name}/update?version=${svc.Version.Index}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec2) });
  if (!up.ok) throw new Error(`update failed: ${await up.text()}`);
  await until(async () => {
    const s = (await (await fetch(`${apiUrl}/services/${name}`)).json()) as { UpdateStatus?: { State?: string; Message?: string } };
    if (s.UpdateStatus?.State === "paused") throw new Error(`jetswarm update paused: ${s.UpdateStatus.Message}`);
    return s.UpdateStatus?.State === "completed";
  });
  const update = performance.now() - t1;
  await fetch(`${apiUrl}/services/${name}`, { method: "DELETE" });
  await until(async () => (await containersWithLabel(`jetswarm.service.name=${name}`)).filter((c) => c.Labels["jetswarm.node.id"] === nodeId).length === 0);
  return { create, update };
}

async function swarmRun(i: number): Promise<Timings> {
  const name = `bench-swarm-${i}`;
  const spec = { Name: name, Mode: { Replicated: { Replicas: N } }, UpdateConfig: UPDATE, TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: CMD } } };
  const t0 = performance.now();
  await docker.createService(spec);
  await until(async () => {
    const tasks = (await docker.listTasks({ filters: { service: [name], "desired-state": ["running"] } })) as { Status?: { State?: string } }[];
    return tasks.filter((t) => t.Status?.State === "running").length === N;
  });
  const create = performance.now() - t0;
  const service = docker.getService(name);
  const info = (await service.inspect()) as { Version: { Index: number } };
  const t1 = performance.now();
  await service.update({ version: info.Version.Index, ...spec, TaskTemplate: { ContainerSpec: { Image: IMAGE2, Command: CMD } } });
  await until(async () => {
    const st = ((await service.inspect()) as { UpdateStatus?: { State?: string; Message?: string } }).UpdateStatus;
    if (st?.State === "paused") throw new Error(`swarm update paused: ${st.Message}`);
    return st?.State === "completed";
  });
  const update = performance.now() - t1;
  await service.remove();
  await until(async () => (await containersWithLabel(`com.docker.swarm.service.name=${name}`)).length === 0);
  return { create, update };
}

/** The docker CLI column's run (`docker-cli-bench.ts`), then gone from the engine before the next step (a stopped jetswarm keeps running containers). */
async function cliRun(host: string | undefined, prefix: string, i: number, detach = true): Promise<CliTimings> {
  const name = `${prefix}-${i}`;
  const t = await dockerCliRun({ host, name, replicas: N, image: IMAGE, image2: IMAGE2, cmd: CMD, detach });
  await until(async () => (await containersWithLabel(`${host ? "jetswarm" : "com.docker.swarm"}.service.name=${name}`)).length === 0);
  return t;
}

function cliLine(t: CliTimings): string {
  return `create ${t.create.toFixed(0)} ms (cluster: ${t.createSettled.toFixed(0)} ms), update ${t.update.toFixed(0)} ms (cluster: ${t.updateSettled.toFixed(0)} ms), ` +
    `${t.polls} polls of ${t.pollMs.toFixed(0)} ms`;
}

function cliRow(name: string, runs: CliTimings[], step: "create" | "update"): string {
  const seen = median(runs.map((t) => t[step])), settled = median(runs.map((t) => step === "create" ? t.createSettled : t.updateSettled));
  return `${name.padEnd(38)}${(seen / 1000).toFixed(2).padStart(8)} s | ${(settled / 1000).toFixed(2)} s`;
}

function ratioLine(label: string, js: CliTimings[], sw: CliTimings[], step: "create" | "update"): string {
  return `${label}: jetswarm / Swarm = ${(median(js.map((t) => t[step])) / median(sw.map((t) => t[step]))).toFixed(2)}${step === "create" ? "   (goal ≤ 0.50)" : ""}`;
}

/** The four rows and two ratios of one docker-CLI way of waiting, jetswarm beside Swarm. */
function cliBlock(js: CliTimings[], sw: CliTimings[]): string[] {
  const steps = ["create", "update"] as const;
  return [
    ...steps.flatMap((step) => [cliRow(`docker CLI → jetswarm: ${step}`, js, step), cliRow(`docker CLI → Swarm: ${step}`, sw, step)]),
    ...steps.map((step) => ratioLine(step, js, sw, step)),
  ];
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


async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-"));
  // Plain HTTP on loopback: the bench times with global fetch (the api over HTTPS or its socket is the CLI's path).
  const cluster = await startLocalCluster({ dataDir, natsPort: await freePort(), apiPort: await freePort(), nodeName: "bench", apiInsecureHttp: true,
    // The bus as `swarm up` runs it (mutual TLS, per-identity users), unless BENCH_INSECURE=1 (issue #15's on/off comparison).
    insecure: process.env.BENCH_INSECURE === "1" });
  const wasSwarm = (await swarmState(docker)) === "active";
  const results = { jetswarm: [] as number[], swarm: [] as number[], raw: [] as number[], jsUpdate: [] as number[], swUpdate: [] as number[] };
  const viaCli = { jetswarm: [] as CliTimings[], swarm: [] as CliTimings[], jetswarmP: [] as CliTimings[], swarmP: [] as CliTimings[], detach: [] as CliTimings[], progress: [] as CliTimings[] };
  try {
    if (!wasSwarm && WITH_SWARM) await exec("docker", ["swarm", "init", "--advertise-addr", "127.0.0.1"]);
    for (let i = 0; i < RUNS && !WITH_SWARM; i++) {
      const js = await jetswarmRun(cluster.apiUrl, cluster.nodeId, i);
      results.jetswarm.push(js.create); results.jsUpdate.push(js.update);
      process.stderr.write(`run ${i + 1}/${RUNS}: create: jetswarm ${js.create.toFixed(0)} ms; update: jetswarm ${js.update.toFixed(0)} ms\n`);
      if (!WITH_CLI) continue;
      const d = await cliRun(cluster.socketUrl, "bench-cli-js", i, true);
      const p = await cliRun(cluster.socketUrl, "bench-cli-jsp", i, false);
      viaCli.detach.push(d); viaCli.progress.push(p);
      process.stderr.write(`run ${i + 1}/${RUNS}: docker CLI --detach: ${cliLine(d)}\nrun ${i + 1}/${RUNS}: docker CLI progress: ${cliLine(p)}\n`);
    }
    for (let i = 0; i < RUNS && WITH_SWARM; i++) {
      results.raw.push(await rawRun(i));
      const sw = await swarmRun(i);
      const js = await jetswarmRun(cluster.apiUrl, cluster.nodeId, i);
      results.swarm.push(sw.create); results.swUpdate.push(sw.update);
      results.jetswarm.push(js.create); results.jsUpdate.push(js.update);
      // The docker CLI column (issue #19): the same commands against jetswarm's Docker API and against Swarm.
      viaCli.swarm.push(await cliRun(undefined, "bench-cli-swarm", i));
      viaCli.jetswarm.push(await cliRun(cluster.socketUrl, "bench-cli-js", i));
      // And with the CLI's own progress wait (no -d), as a user types them.
      viaCli.swarmP.push(await cliRun(undefined, "bench-clip-swarm", i, false));
      viaCli.jetswarmP.push(await cliRun(cluster.socketUrl, "bench-clip-js", i, false));
      process.stderr.write(`run ${i + 1}/${RUNS}: create: jetswarm ${js.create.toFixed(0)} ms, swarm ${sw.create.toFixed(0)} ms, docker run ${results.raw[i]!.toFixed(0)} ms; ` +
        `update: jetswarm ${js.update.toFixed(0)} ms, swarm ${sw.update.toFixed(0)} ms\n`);
    }
  } finally {
    if (!wasSwarm && WITH_SWARM) await exec("docker", ["swarm", "leave", "--force"]).catch(() => {});
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const js = median(results.jetswarm), sw = median(results.swarm), raw = median(results.raw);
  const jsu = median(results.jsUpdate), swu = median(results.swUpdate);
  const row = (name: string, ms: number) => `${name.padEnd(34)}${(ms / 1000).toFixed(2).padStart(8)} s`;
  if (!WITH_SWARM) {
    process.stdout.write([`create ${N} replicas → ${N} running, rolling update :1 → :2 (median of ${RUNS}; bus ${process.env.BENCH_INSECURE === "1" ? "plaintext" : "mutual TLS"}; BENCH_SWARM=0: no Swarm)`,
      row("jetswarm service create", js), row("jetswarm service update", jsu),
      ...(WITH_CLI ? [
        "the docker CLI → jetswarm (command → seen done by the CLI | by the cluster's own timestamps)",
        cliRow("docker CLI --detach + polls: create", viaCli.detach, "create"), cliRow("docker CLI --detach + polls: update", viaCli.detach, "update"),
        cliRow("docker CLI progress (no -d): create", viaCli.progress, "create"), cliRow("docker CLI progress (no -d): update", viaCli.progress, "update"),
        `polls (--detach): ${median(viaCli.detach.map((t) => t.polls))} CLI processes, ${median(viaCli.detach.map((t) => t.pollMs)).toFixed(0)} ms each (median)`,
      ] : [])].join("\n") + "\n");
    return;
  }
  process.stdout.write([
    `create ${N} replicas → ${N} running (median of ${RUNS}; image ${IMAGE}; bus ${process.env.BENCH_INSECURE === "1" ? "plaintext" : "mutual TLS"})`,
    row("jetswarm service create", js),
    row("docker service create (Swarm mode)", sw),
    row(`${N} × parallel docker run -d`, raw),
    `jetswarm / Swarm      = ${(js / sw).toFixed(2)}   (goal ≤ 0.50)`,
    `jetswarm / docker run = ${(js / raw).toFixed(2)}   (goal ≤ 1.25)`,
    "",
    `rolling update ${N} replicas :1 → :2 (parallelism 10, delay 0, monitor 1 s) → completed (median of ${RUNS})`,
    row("jetswarm service update", jsu),
    row("docker service update (Swarm mode)", swu),
    `jetswarm / Swarm      = ${(jsu / swu).toFixed(2)}   (goal ≤ 0.70)`,
    "",
    `the same through the docker CLI, --detach then polled with docker service ps|inspect (median of ${RUNS}; | when the cluster got there, by its own timestamps)`,
    ...cliBlock(viaCli.jetswarm, viaCli.swarm),
    "",
    `the same through the docker CLI's own progress wait (no -d: converged + the 1 s monitor, or UpdateStatus completed)`,
    ...cliBlock(viaCli.jetswarmP, viaCli.swarmP),
  ].join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
