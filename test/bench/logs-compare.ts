/*
 * `swarm service logs` benchmark (issue #18): a service of TASKS replicas (default 10) each
 * printing LINES lines (default 10 000: 100k in all), then the time to read every line through
 * `swarm service logs` (the CLI process, the api, NATS, the agents, the engine), median of
 * BENCH_RUNS (default 3), in lines/s; beside it the baseline: `docker logs` of the same containers
 * on the same engine, all at once; Docker's own CLI reading jetswarm's Engine API (the client
 * Swarm's row uses); then Docker Swarm's `docker service logs` of the same service on the same
 * engine in single-node swarm mode (logs-compare-swarm.ts: entered after jetswarm's half, left
 * before the end; `BENCH_SWARM=0` skips it). Every reader's line count is printed. On a shared
 * engine run it under `flock /work/wt/swarm-mode.lock`. jetswarm runs secured (the default).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { startLocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { removeNodeNetworks } from "../helpers/cluster.js";
import { median, until } from "./engine-bench.js";
import { countLines, swarmLogs, type SwarmLogsResult } from "./logs-compare-swarm.js";

const docker = new Docker();
const TASKS = Number(process.env.BENCH_TASKS ?? 10);
const LINES = Number(process.env.BENCH_LINES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IMAGE = "jetswarm-test/busybox:1";
const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
const TOTAL = TASKS * LINES;
/** Progress on stderr as each step ends (the table comes at the end): a stuck step shows where. */
const t00 = performance.now();
const step = (what: string) => console.error(`[${((performance.now() - t00) / 1000).toFixed(1)} s] ${what}`);
const SCRIPT = `i=0; while [ $i -lt ${LINES} ]; do echo "line $i of a benchmark task, about sixty bytes long"; i=$((i+1)); done; exec sleep 3600`;

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

interface JetswarmLogs {
  /** Per run: wall time, ms, and lines counted. */
  cli: { ms: number; lines: number }[];
  /** Docker's own CLI reading jetswarm's Engine API endpoint: the same client as Swarm's row. */
  dockerCli: { ms: number; lines: number }[];
  cliStart: number[];
  api: number[];
  base: { ms: number; lines: number }[];
}

/** jetswarm's half: `swarm up`'s processes, the service, RUNS reads by each reader; the cluster and its networks removed after. */
async function jetswarmLogs(): Promise<JetswarmLogs> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-logs-"));
  const cluster = await startLocalCluster({ dataDir, natsPort: await freePort(), apiPort: await freePort(), nodeName: "bench", apiInsecureHttp: true });
  const service = "bench-logs";
  const out: JetswarmLogs = { cli: [], dockerCli: [], cliStart: [], api: [], base: [] };
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
    step(`jetswarm: ${TASKS} tasks have printed their lines`);
    const ids = await containersOf(service);
    for (let i = 0; i < RUNS; i++) {
      out.api.push(await apiOnly(cluster.apiUrl, service, TOTAL));
      step(`jetswarm run ${i + 1}: the api alone ${out.api[i]!.toFixed(0)} ms`);
      out.cliStart.push((await countLines(process.execPath, [CLI, "--host", cluster.socketUrl, "service", "ls"])).ms);
      out.cli.push(await countLines(process.execPath, [CLI, "--host", cluster.socketUrl, "service", "logs", service]));
      step(`jetswarm run ${i + 1}: swarm service logs ${out.cli[i]!.lines} lines in ${out.cli[i]!.ms.toFixed(0)} ms`);
      const dockerEnv = { ...process.env, DOCKER_HOST: cluster.socketUrl, DOCKER_CONFIG: dataDir };
      out.dockerCli.push(await countLines("docker", ["service", "logs", service], dockerEnv));
      step(`jetswarm run ${i + 1}: docker service logs ${out.dockerCli[i]!.lines} lines in ${out.dockerCli[i]!.ms.toFixed(0)} ms`);
      const t0 = performance.now();
      const each = await Promise.all(ids.map((id) => countLines("docker", ["logs", id])));
      out.base.push({ ms: performance.now() - t0, lines: each.reduce((a, x) => a + x.lines, 0) });
      step(`run ${i + 1}: docker logs ×${TASKS} ${out.base[i]!.lines} lines in ${out.base[i]!.ms.toFixed(0)} ms`);
    }
    return out;
  } finally {
    await fetch(`${cluster.apiUrl}/services/${service}`, { method: "DELETE" }).catch(() => undefined);
    await until(async () => (await containersOf(service)).length === 0, 60_000).catch(() => undefined);
    await cluster.stop();
    // The stopped agent leaves its networks (the ingress stays built): the next user of this engine would meet them.
    const { nodeId } = JSON.parse(readFileSync(join(dataDir, "node.json"), "utf8")) as { nodeId: string };
    await removeNodeNetworks(nodeId);
    if (process.env.BENCH_KEEP_DATA) console.log(`data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every run's count, e.g. `100000 ×3`, or the counts when they differ. */
function counts(runs: { lines: number }[]): string {
  const n = runs.map((r) => r.lines);
  return n.every((x) => x === n[0]) ? `${n[0]} ×${n.length}` : n.join(", ");
}
/** Lines per second of the median run (counted lines: a reader that stopped early is not credited with the rest). */
const linesPerSecond = (runs: { ms: number; lines: number }[]) => Math.round(median(runs.map((r) => r.lines / (r.ms / 1000))));
function row(reader: string, runs: { ms: number; lines: number }[]): string {
  const ms = median(runs.map((r) => r.ms));
  const short = runs.some((r) => r.lines !== TOTAL) ? " (not all lines)" : "";
  return `| ${reader} | ${counts(runs)}${short} | ${ms.toFixed(0)} ms | ${linesPerSecond(runs)} |`;
}

async function main(): Promise<void> {
  const js = await jetswarmLogs();
  // A failed Swarm half is reported in its row: jetswarm's figures are kept.
  let swarmSkipped = "not measured (BENCH_SWARM=0)";
  const sw: SwarmLogsResult | undefined = process.env.BENCH_SWARM === "0" ? undefined
    : await swarmLogs({ tasks: TASKS, lines: LINES, runs: RUNS, image: IMAGE, script: SCRIPT, step }).catch((err: Error) => { swarmSkipped = `failed: ${err.message}`; return undefined; });
  console.log(`service logs: ${TASKS} tasks × ${LINES} lines = ${TOTAL} lines, median of ${RUNS} runs`);
  console.log(`| reader | lines counted | median time | lines/s |`);
  console.log(`|---|---|---|---|`);
  console.log(row("swarm service logs (jetswarm)", js.cli));
  console.log(`| (swarm service ls: the CLI's fixed cost, start-up and one request) | – | ${median(js.cliStart).toFixed(0)} ms | – |`);
  console.log(row("docker service logs → jetswarm's Engine API (Docker's CLI)", js.dockerCli));
  console.log(row("GET /services/{id}/logs (the api alone, no CLI)", js.api.map((ms) => ({ ms, lines: TOTAL }))));
  console.log(row(`docker logs ×${TASKS}, concurrently (baseline)`, js.base));
  if (sw) {
    console.log(row("docker service logs (Docker Swarm)", sw.logs));
    for (const [i, r] of sw.logs.entries()) if (r.code !== 0) console.log(`|   run ${i + 1}: exit ${r.code} after ${r.lines} lines: ${r.error ?? ""} | | | |`);
    console.log(`| (docker service ls: the CLI's fixed cost) | – | ${median(sw.cliStart).toFixed(0)} ms | – |`);
    console.log(`jetswarm swarm service logs lines/s ÷ Docker Swarm docker service logs lines/s = ${(linesPerSecond(js.cli) / linesPerSecond(sw.logs)).toFixed(2)}`);
    // A Swarm reader that stalled (moby/moby#38640, #41733) is also rated up to its last line: the
    // rate while it delivered, the fairest figure for it (it never delivers the rest).
    if (sw.logs.some((r) => r.lines !== TOTAL)) {
      const upToLast = sw.logs.map((r) => ({ ms: r.lastMs, lines: r.lines }));
      console.log(`| docker service logs (Docker Swarm), up to its last line | ${counts(upToLast)} | ${median(upToLast.map((r) => r.ms)).toFixed(0)} ms | ${linesPerSecond(upToLast)} |`);
      console.log(`jetswarm swarm service logs lines/s ÷ Docker Swarm's rate up to its last line = ${(linesPerSecond(js.cli) / linesPerSecond(upToLast)).toFixed(2)}`);
    }
  } else {
    console.log(`| docker service logs (Docker Swarm) | ${swarmSkipped} | – | – |`);
  }
  // Checked after printing: a reader that lost lines is shown first, then fails the run (jetswarm's readers must not lose any).
  for (const [name, runs] of [["swarm service logs", js.cli], ["docker service logs (jetswarm)", js.dockerCli], ["docker logs", js.base]] as const) {
    const bad = runs.find((r) => r.lines !== TOTAL);
    if (bad) throw new Error(`${name} printed ${bad.lines} lines, not ${TOTAL}`);
  }
}

await main();
