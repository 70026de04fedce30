/*
 * Secrets benchmark (issue #16), all on the same engine in the same run, median of BENCH_RUNS
 * (default 3): a service of N replicas (default 20) that uses two secrets, from "create" to N
 * running, for jetswarm and for Docker Swarm mode (`docker secret create` ×2 + `docker service
 * create --secret` ×2); and the same jetswarm service without secrets, so that the time secret
 * delivery adds is measured beside it. jetswarm runs secured (mutual TLS on the bus, the default)
 * unless BENCH_INSECURE=1; its api on loopback HTTP so that the bench times with plain fetch.
 * The engine is put in swarm mode only if it is not, and left as it was found.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { startLocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { median, swarmState, until } from "./engine-bench.js";

const exec = promisify(execFile);
const docker = new Docker();
const N = Number(process.env.BENCH_REPLICAS ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const IMAGE = "jetswarm-test/busybox:1";
const CMD = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];


async function post(apiUrl: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${apiUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/** jetswarm: create → N running, with the two secrets `names` (none: the same service without secrets). */
async function jetswarmRun(apiUrl: string, nodeId: string, name: string, names: string[]): Promise<number> {
  const Secrets = names.map((n) => ({ SecretID: n, SecretName: n, File: { Name: n, UID: "0", GID: "0", Mode: 0o400 } }));
  const spec = { Name: name, Mode: { Replicated: { Replicas: N } }, TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: CMD, ...(names.length ? { Secrets } : {}) } } };
  const filters = encodeURIComponent(JSON.stringify({ service: [name], "desired-state": ["running"] }));
  const t0 = performance.now();
  await post(apiUrl, "/services/create", spec);
  await until(async () => {
    const tasks = (await (await fetch(`${apiUrl}/tasks?filters=${filters}`)).json()) as { Status: { State: string; Err?: string } }[];
    const failed = tasks.find((t) => t.Status.Err);
    if (failed) throw new Error(`jetswarm task failed: ${failed.Status.Err}`);
    return tasks.filter((t) => t.Status.State === "running").length === N;
  });
  const ms = performance.now() - t0;
  await fetch(`${apiUrl}/services/${name}`, { method: "DELETE" });
  await until(async () => (await docker.listContainers({ all: true, filters: { label: [`jetswarm.service.name=${name}`] } }))
    .filter((c) => c.Labels["jetswarm.node.id"] === nodeId).length === 0);
  return ms;
}

/** Docker Swarm mode: create → N running with two secrets (created in the timed span, as jetswarm's are not: they exist first). */
async function swarmRun(name: string, secretIds: { id: string; name: string }[]): Promise<number> {
  const Secrets = secretIds.map((s) => ({ SecretID: s.id, SecretName: s.name, File: { Name: s.name, UID: "0", GID: "0", Mode: 0o400 } }));
  const t0 = performance.now();
  await docker.createService({ Name: name, Mode: { Replicated: { Replicas: N } }, TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: CMD, Secrets } } });
  await until(async () => {
    const tasks = (await docker.listTasks({ filters: { service: [name], "desired-state": ["running"] } })) as { Status?: { State?: string } }[];
    return tasks.filter((t) => t.Status?.State === "running").length === N;
  });
  const ms = performance.now() - t0;
  await docker.getService(name).remove();
  await until(async () => (await docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${name}`] } })).length === 0);
  return ms;
}


async function main(): Promise<void> {
  const insecure = process.env.BENCH_INSECURE === "1";
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-secrets-"));
  const cluster = await startLocalCluster({ dataDir, natsPort: await freePort(), apiPort: await freePort(), nodeName: "bench", apiInsecureHttp: true, insecure });
  const wasSwarm = (await swarmState(docker)) === "active";
  const r = { withSecrets: [] as number[], without: [] as number[], swarm: [] as number[] };
  const swarmSecrets: string[] = [];
  try {
    if (!wasSwarm) await exec("docker", ["swarm", "init", "--advertise-addr", "127.0.0.1"]);
    const names = ["bench-db-password", "bench-tls-key"];
    for (const n of names) await post(cluster.apiUrl, "/secrets/create", { Name: n, Data: randomBytes(64).toString("base64") });
    const ids: { id: string; name: string }[] = [];
    for (const n of names) {
      const s = (await docker.createSecret({ Name: `${n}-${process.pid}`, Data: randomBytes(64).toString("base64") })) as { id: string };
      ids.push({ id: s.id, name: `${n}-${process.pid}` });
      swarmSecrets.push(s.id);
    }
    for (let i = 0; i < RUNS; i++) {
      const sw = await swarmRun(`bench-sec-swarm-${i}`, ids);
      const js = await jetswarmRun(cluster.apiUrl, cluster.nodeId, `bench-sec-js-${i}`, names);
      const plain = await jetswarmRun(cluster.apiUrl, cluster.nodeId, `bench-plain-js-${i}`, []);
      r.swarm.push(sw); r.withSecrets.push(js); r.without.push(plain);
      process.stderr.write(`run ${i + 1}/${RUNS}: jetswarm with secrets ${js.toFixed(0)} ms, without ${plain.toFixed(0)} ms, Swarm with secrets ${sw.toFixed(0)} ms\n`);
    }
  } finally {
    for (const id of swarmSecrets) await docker.getSecret(id).remove().catch(() => {});
    if (!wasSwarm) await exec("docker", ["swarm", "leave", "--force"]).catch(() => {});
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const js = median(r.withSecrets), plain = median(r.without), sw = median(r.swarm);
  const row = (name: string, ms: number) => `${name.padEnd(44)}${(ms / 1000).toFixed(2).padStart(8)} s`;
  process.stdout.write([
    `create ${N} replicas with two secrets → ${N} running (median of ${RUNS}; bus ${insecure ? "plaintext" : "mutual TLS"})`,
    row("jetswarm service create --secret ×2", js),
    row("jetswarm, the same service without secrets", plain),
    row("docker service create --secret ×2 (Swarm)", sw),
    `jetswarm / Swarm                 = ${(js / sw).toFixed(2)}   (goal ≤ 0.50)`,
    `delivery's cost per task         = ${((js - plain) / N).toFixed(1)} ms   ((with − without) / ${N}; goal ≤ 50 ms)`,
  ].join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
