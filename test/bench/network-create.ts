/*
 * bench:network-create (issue #17's goal "create → reachable ≤ 0.5× Swarm's create → DNS
 * answering"): the time from `service create --network N --publish …` to (a) `<svc>` resolving
 * from a client task on N and (b) the published port answering on 127.0.0.1, median of BENCH_RUNS
 * (5) rounds, with the first time each task state was seen (allocation, scheduling, container
 * start). jetswarm first (`swarm up`'s whole stack, VIP mode, ingress publish through the routing
 * mesh), then Docker Swarm on the same engine (single-node swarm mode, dnsrr, host-mode publish:
 * see network-create-swarm.ts); BENCH_SWARM=0 skips Swarm. Between them the engine's floor:
 * the same image and command started straight on the engine with its own port publishing
 * (network-create-raw.ts), and every time's ratio to Swarm's create → DNS. With SWARM_LOG_LEVEL=debug
 * the agent's start path is broken down from its log (network-create-agent.ts). Run it under
 * `flock /work/wt/swarm-mode.lock` on a shared engine: it puts the engine in swarm mode and
 * leaves it, and refuses to start when the engine is in swarm mode already.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { startLocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { removeNodeNetworks } from "../helpers/cluster.js";
import { swarmState, until } from "./engine-bench.js";
import { measureRound, median, runRounds, summary, type Round } from "./network-create-probes.js";
import { swarmRound, swarmSetup, swarmTeardown, vipAttempt } from "./network-create-swarm.js";
import { floorRounds } from "./network-create-raw.js";
import { agentPathReport } from "./network-create-agent.js";

const docker = new Docker();
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const IMAGE = "jetswarm-test/busybox:1";
const NET = "bench-jsnet";
const JS_STATES = ["pending", "assigned", "starting", "running"];
const SW_STATES = ["pending", "assigned", "starting", "running"];
/** The agent's start path of jetswarm's rounds (read from its log before the data dir goes; empty without debug lines). */
const agentPath: string[] = [];

async function api(url: string, path: string, body?: unknown, method = body === undefined ? "GET" : "POST"): Promise<unknown> {
  const res = await fetch(`${url}${path}`, { method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function runningContainer(service: string): Promise<string | undefined> {
  const list = await docker.listContainers({ filters: { label: [`jetswarm.service.name=${service}`], status: ["running"] } });
  return list[0]?.Id;
}

function serviceSpec(name: string, port?: number): unknown {
  return {
    Name: name, TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: port ? ["httpd", "-f", "-p", "80"] : ["sleep", "3600"] }, Networks: [{ Target: NET }] },
    ...(port ? { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: port, Protocol: "tcp" }] } } : {}),
  };
}

function jetswarmRound(url: string, client: string, i: number, port: number): Promise<Round> {
  const name = `bench-js${i}`;
  const filters = encodeURIComponent(JSON.stringify({ service: [name] }));
  return measureRound(client, name, port, {
    create: () => api(url, "/services/create", serviceSpec(name, port)),
    states: async () => ((await api(url, `/tasks?filters=${filters}`)) as { Status: { State: string } }[]).map((t) => t.Status.State),
    remove: async () => {
      await api(url, `/services/${name}`, undefined, "DELETE");
      await until(async () => (await docker.listContainers({ all: true, filters: { label: [`jetswarm.service.name=${name}`] } })).length === 0, 60_000);
    },
  });
}

async function jetswarmSide(ports: number[]): Promise<Round[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-netcreate-"));
  const cluster = await startLocalCluster({ dataDir, natsPort: await freePort(), apiPort: await freePort(), nodeName: "bench", apiInsecureHttp: true });
  let rounds: Round[] = [];
  try {
    // A subnet of its own: another cluster's network on this engine with the same subnet would clash (Docker's pools are per engine).
    const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}.0/24`;
    await api(cluster.apiUrl, "/networks/create", { Name: NET, Driver: "overlay", Attachable: true, IPAM: { Config: [{ Subnet: subnet }] } });
    await api(cluster.apiUrl, "/services/create", serviceSpec("bench-client"));
    let client: string | undefined;
    await until(async () => (client = await runningContainer("bench-client")) !== undefined, 120_000);
    rounds = await runRounds("jetswarm", RUNS, (i) => jetswarmRound(cluster.apiUrl, client!, i, ports[i]!));
    return rounds;
  } finally {
    await api(cluster.apiUrl, "/services/bench-client", undefined, "DELETE").catch(() => undefined);
    await until(async () => (await runningContainer("bench-client")) === undefined, 60_000).catch(() => undefined);
    await cluster.stop();
    // The stopped agent leaves its networks (the ingress stays built): on a shared engine the next
    // cluster's ingress (the same default subnet) would clash with them.
    const { nodeId } = JSON.parse(readFileSync(join(dataDir, "node.json"), "utf8")) as { nodeId: string };
    await removeNodeNetworks(nodeId);
    agentPath.push(...agentPathReport(join(dataDir, "logs", "agent.log"), rounds, (i) => `bench-js${i}`, (i) => ports[i]!));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function swarmSide(ports: number[]): Promise<{ rounds: Round[]; vip: string }> {
  if ((await swarmState(docker)) !== "inactive") throw new Error("the engine is in swarm mode already: another run holds it (use flock /work/wt/swarm-mode.lock)");
  try {
    const client = await swarmSetup();
    const rounds = await runRounds("swarm", RUNS, (i) => swarmRound(client, i, ports[i]!));
    return { rounds, vip: await vipAttempt(client, ports[RUNS]!) };
  } finally {
    await swarmTeardown();
  }
}

async function main(): Promise<void> {
  const base = 43_000 + Math.floor(Math.random() * 5_000);
  const ports = Array.from({ length: RUNS + 1 }, (_, i) => base + i);
  const say = (...lines: string[]) => process.stdout.write(lines.join("\n") + "\n");
  const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
  const js = await jetswarmSide(ports);
  const jsPort = median(js.map((r) => r.port));
  // Printed as each half ends: a failed Swarm half (a loaded machine) keeps jetswarm's and the floor's figures.
  say(`create → reachable, median of ${RUNS} (one node; client task on the same overlay; nslookup every 20 ms, HTTP every 20 ms)`,
    summary("jetswarm (VIP, ingress publish via the mesh)", js, JS_STATES), ...agentPath);
  const floor = await floorRounds(RUNS, ports.map((p) => p + 200));
  say(`${"engine floor: docker run -d --network <bridge> -p".padEnd(44)} port ${s(median(floor.cli)).padStart(8)}   (Engine API create + start, no CLI: port ${s(median(floor.api))})`,
    `jetswarm port / engine floor (docker run) = ${(jsPort / median(floor.cli)).toFixed(2)}, / engine floor (API) = ${(jsPort / median(floor.api)).toFixed(2)}`);
  if (process.env.BENCH_SWARM === "0") return;
  const sw = await swarmSide(ports.map((p) => p + 100));
  const swDns = median(sw.rounds.map((r) => r.dns));
  const jsReach = median(js.map((r) => Math.max(r.dns, r.port)));
  const vsDns = [["jetswarm port", jsPort], ["Swarm port", median(sw.rounds.map((r) => r.port))],
    ["engine floor docker run → port", median(floor.cli)], ["engine floor API → port", median(floor.api)]] as const;
  say(summary("Docker Swarm (dnsrr, host-mode publish)", sw.rounds, SW_STATES),
    `jetswarm create→reachable (DNS and port) / Swarm create→DNS = ${(jsReach / swDns).toFixed(2)}   (goal ≤ 0.50)`,
    `jetswarm DNS / Swarm DNS = ${(median(js.map((r) => r.dns)) / swDns).toFixed(2)}`,
    `against Swarm's create→DNS (${s(swDns)}): ` + vsDns.map(([what, x]) => `${what} ${(x / swDns).toFixed(2)}`).join(", "),
    `Docker Swarm VIP + ingress publish (no IPVS here): ${sw.vip}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
