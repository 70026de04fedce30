/*
 * Classic Swarm benchmark (issue #19): N (default 50) `docker run -d` one after the other, by the
 * real docker CLI, through jetswarm's api socket (classic mode: each container recorded, placed by
 * the scheduler, run by the node's agent) vs straight to the same engine, same run. Two times each:
 * until the last `docker run -d` returned, and until all N containers run on the engine. Goal:
 * jetswarm ≤ 1.25× the engine. jetswarm runs secured (the default); one node.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { startLocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { requestApi } from "../../cli/http-request.js";
import { until } from "./engine-bench.js";

const run = promisify(execFile);
const docker = new Docker();
const N = Number(process.env.BENCH_CONTAINERS ?? 50);
const IMAGE = "jetswarm-test/busybox:1";

interface Timing { returnedMs: number; runningMs: number }

/** N `docker run -d` in sequence with `env`, then until `running()` counts N. */
async function runMany(env: NodeJS.ProcessEnv, prefix: string, label: string, running: () => Promise<number>): Promise<Timing> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    await run("docker", ["run", "-d", "--name", `${prefix}-${i}`, "--label", label, IMAGE, "sleep", "3600"], { env });
  }
  const returnedMs = performance.now() - t0;
  await until(async () => (await running()) >= N);
  return { returnedMs, runningMs: performance.now() - t0 };
}

const countRunning = async (filters: Record<string, string[]>) => (await docker.listContainers({ filters })).length;

async function removeAll(label: string): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-classic-"));
  const cluster = await startLocalCluster({ dataDir, natsPort: await freePort(), apiPort: await freePort(), nodeName: "bench-classic" });
  const engineLabel = `jetswarm-bench-classic=${process.pid}`;
  try {
    const viaJetswarm = { ...process.env, DOCKER_HOST: cluster.socketUrl };
    const plain = { ...process.env };
    delete plain.DOCKER_HOST;
    // Classic Swarm refuses a container when no node is healthy: wait for the node.
    await until(async () => {
      const nodes = (await (await requestApi(cluster.socketUrl, "/nodes", { method: "GET" })).json()) as Array<{ Status: { State: string } }>;
      return nodes.length === 1 && nodes[0]!.Status.State === "ready";
    });
    // One warm-up each (CLI start, first image lookups), not counted.
    await run("docker", ["run", "-d", "--name", "warm-js", IMAGE, "true"], { env: viaJetswarm });
    await run("docker", ["run", "-d", "--label", engineLabel, IMAGE, "true"], { env: plain });
    const engine = await runMany(plain, `bench-engine-${process.pid}`, engineLabel, () => countRunning({ label: [engineLabel], status: ["running"] }));
    const js = await runMany(viaJetswarm, "bench", "bench=classic", () => countRunning({ label: [`jetswarm.node.id=${cluster.nodeId}`], status: ["running"] }));
    const row = (name: string, t: Timing) => `${name.padEnd(22)} ${(t.returnedMs / 1000).toFixed(2).padStart(8)} s ${(t.runningMs / 1000).toFixed(2).padStart(8)} s`;
    process.stdout.write(
      `classic docker run -d ×${N} (sequential, real docker CLI ${(await run("docker", ["version", "--format", "{{.Client.Version}}"])).stdout.trim()})\n` +
      `${"".padEnd(22)} ${"returned".padStart(10)} ${"all running".padStart(10)}\n` +
      `${row("engine (direct)", engine)}\n${row("jetswarm (classic)", js)}\n` +
      `ratio jetswarm/engine: returned ${(js.returnedMs / engine.returnedMs).toFixed(2)}×, all running ${(js.runningMs / engine.runningMs).toFixed(2)}× (goal ≤ 1.25×)\n`,
    );
  } finally {
    await removeAll(engineLabel);
    await cluster.stop();
    for (const c of await docker.listContainers({ all: true, filters: { label: [`jetswarm.node.id=${cluster.nodeId}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
