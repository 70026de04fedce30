/*
 * `swarm service logs` benchmark (issue #18): a service of TASKS replicas (default 10) each
 * printing LINES lines (default 10 000: 100k in all), then the time to read every line through
 * `swarm service logs` (the CLI process, the api, NATS, the agents, the engine), median of
 * BENCH_RUNS (default 3), in lines/s; beside it the baseline: `docker logs` of the same containers
 * on the same engine, all at once. Docker Swarm's `docker service logs` is not measured here (it
 * needs the engine in swarm mode, which this shared machine does not allow): that column is left
 * to whoever runs it on an engine of their own (`docker service create --replicas 10 … sh -c …`,
 * then `time docker service logs S | wc -l`). jetswarm runs secured (the default).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { startLocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { median, until } from "./engine-bench.js";

const docker = new Docker();
const TASKS = Number(process.env.BENCH_TASKS ?? 10);
const LINES = Number(process.env.BENCH_LINES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IMAGE = "jetswarm-test/busybox:1";
const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
const SCRIPT = `i=0; while [ $i -lt ${LINES} ]; do echo "line $i of a benchmark task, about sixty bytes long"; i=$((i+1)); done; exec sleep 3600`;

/** Runs a command, counting the lines of its stdout; resolves with the count and the wall time, ms. */
function countLines(cmd: string, args: string[]): Promise<{ lines: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    let lines = 0;
    child.stdout.on("data", (d: Buffer) => { for (const b of d) if (b === 10) lines++; });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve({ lines, ms: performance.now() - t0 }) : reject(new Error(`${cmd} ${args.join(" ")}: exit ${code}`))));
  });
}

/** The api's answer alone (no CLI process): the frames of `total` lines. */
async function apiOnly(apiUrl: string, service: string, total: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${apiUrl}/services/${service}/logs?stdout=1&stderr=1`);
  let frames = 0;
  let pending = Buffer.alloc(0);
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 8 && pending.length >= 8 + pending.readUInt32BE(4)) {
      pending = pending.subarray(8 + pending.readUInt32BE(4));
      frames++;
    }
  }
  if (frames !== total) throw new Error(`the api sent ${frames} lines, not ${total}`);
  return performance.now() - t0;
}

async function containersOf(service: string): Promise<string[]> {
  return (await docker.listContainers({ filters: { label: [`jetswarm.service.name=${service}`] } })).map((c) => c.Id);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-logs-"));
  const cluster = await startLocalCluster({ dataDir, natsPort: await freePort(), apiPort: await freePort(), nodeName: "bench", apiInsecureHttp: true });
  const service = "bench-logs";
  try {
    const spec = { Name: service, Mode: { Replicated: { Replicas: TASKS } }, TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: ["sh", "-c", SCRIPT] } } };
    const res = await fetch(`${cluster.apiUrl}/services/create`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
    if (!res.ok) throw new Error(`service create: ${res.status} ${await res.text()}`);
    await until(async () => {
      const ids = await containersOf(service);
      if (ids.length !== TASKS) return false;
      for (const id of ids) {
        const tail = (await docker.getContainer(id).logs({ stdout: true, tail: 1 })).toString();
        if (!tail.includes(`line ${LINES - 1} `)) return false;
      }
      return true;
    });
    const ids = await containersOf(service);
    const total = TASKS * LINES;
    const js: number[] = [];
    const cliStart: number[] = [];
    const http: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      http.push(await apiOnly(cluster.apiUrl, service, total));
      cliStart.push((await countLines(process.execPath, [CLI, "--host", cluster.socketUrl, "service", "ls"])).ms);
      const r = await countLines(process.execPath, [CLI, "--host", cluster.socketUrl, "service", "logs", service]);
      if (r.lines !== total) throw new Error(`swarm service logs printed ${r.lines} lines, not ${total}`);
      js.push(r.ms);
      const t0 = performance.now();
      const each = await Promise.all(ids.map((id) => countLines("docker", ["logs", id])));
      const n = each.reduce((a, x) => a + x.lines, 0);
      if (n !== total) throw new Error(`docker logs printed ${n} lines, not ${total}`);
      base.push(performance.now() - t0);
    }
    const rate = (ms: number) => Math.round(total / (ms / 1000));
    console.log(`service logs: ${TASKS} tasks × ${LINES} lines = ${total} lines, median of ${RUNS} runs`);
    console.log(`| reader | median time | lines/s |`);
    console.log(`|---|---|---|`);
    console.log(`| swarm service logs (jetswarm) | ${median(js).toFixed(0)} ms | ${rate(median(js))} |`);
    console.log(`| (swarm service ls: the CLI's fixed cost, start-up and one request) | ${median(cliStart).toFixed(0)} ms | – |`);
    console.log(`| GET /services/{id}/logs (the api alone, no CLI) | ${median(http).toFixed(0)} ms | ${rate(median(http))} |`);
    console.log(`| docker logs ×${TASKS}, concurrently (baseline) | ${median(base).toFixed(0)} ms | ${rate(median(base))} |`);
    console.log(`| docker service logs (Docker Swarm) | not measured: needs the engine in swarm mode | – |`);
  } finally {
    await fetch(`${cluster.apiUrl}/services/${service}`, { method: "DELETE" }).catch(() => undefined);
    await until(async () => (await containersOf(service)).length === 0, 60_000).catch(() => undefined);
    await cluster.stop();
    if (process.env.BENCH_KEEP_DATA) console.log(`data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
