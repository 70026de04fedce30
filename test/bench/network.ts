/*
 * bench:network (issue #17): HTTP requests/s and p50/p99 latency to two replicas,
 * (1) direct to the task addresses, (2) through the service VIP (nftables DNAT in the client's
 * netns), (3) through the routing mesh (a published port on the host: table jetswarm_mesh).
 * One host, real containers on a Docker bridge standing in for the overlay (as the integration
 * tests do); the load generator (network-load.ts) runs in the client container's netns for (1)
 * and (2) and on the host for (3). Bounded: BENCH_SECONDS (5) per mode, BENCH_CONCURRENCY (16),
 * loopback and the test bridge only. Docker Swarm's VIP and mesh need IPVS, which this kernel lacks.
 */
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Docker from "dockerode";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { localExec, ServiceNet } from "../../services/agent/index.js";
import { dockerUserRules } from "../../services/agent/shell/mesh-installer.js";
import { bridgeName, wireVni } from "../../schemas/index.js";
import { cleanupTestNets, createTestNet, endpoint, IMAGE, netMap, service } from "../helpers/service-net-fixture.js";
import { CONTAINER_LABELS } from "../../services/agent/index.js";

const exec = promisify(execFile);
const docker = new Docker();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const NODE = "bench-node";
const PORT = 42_000 + Math.floor(Math.random() * 7_000);
const SERVER = "require('http').createServer((q, s) => s.end('ok')).listen(80)";
const LOAD = fileURLToPath(new URL("./network-load.js", import.meta.url));

interface Result { requests: number; errors: number; rps: number; p50: number; p99: number }

async function container(name: string, net: { dockerName: string; gateway: string }, ip: string, cmd: string): Promise<Docker.Container> {
  const c = await docker.createContainer({
    name, Image: IMAGE, Cmd: ["sh", "-c", cmd],
    Labels: { [CONTAINER_LABELS.nodeId]: NODE, [CONTAINER_LABELS.taskId]: name, "jetswarm.test": "dnsvip" },
    HostConfig: { NetworkMode: net.dockerName, Dns: [net.gateway] },
    NetworkingConfig: { EndpointsConfig: { [net.dockerName]: { IPAMConfig: { IPv4Address: ip } } } },
  });
  await c.start();
  return c;
}

async function load(targets: string[], pid?: number): Promise<Result> {
  const args = [LOAD, "--targets", targets.join(","), "--concurrency", String(CONCURRENCY), "--seconds", String(SECONDS)];
  const { stdout } = pid === undefined ? await exec(process.execPath, args) : await exec("nsenter", ["-t", String(pid), "-n", process.execPath, ...args]);
  return JSON.parse(stdout) as Result;
}

async function main(): Promise<void> {
  await cleanupTestNets(docker);
  const net = await createTestNet(docker, "bench");
  const servers: ReturnType<typeof spawn>[] = [];
  try {
    // Backends: a Node HTTP server in each replica's netns (busybox httpd forks per connection
    // and would measure itself rather than the network path).
    for (const [name, n] of [["bench-b1", 11], ["bench-b2", 12]] as const) {
      const pid = (await (await container(name, net, net.ip(n), "exec sleep 3600")).inspect()).State.Pid;
      servers.push(spawn("nsenter", ["-t", String(pid), "-n", process.execPath, "-e", SERVER], { stdio: "ignore" }));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const client = await container("bench-c1", net, net.ip(31), "exec sleep 3600");
    const ports = [{ Protocol: "tcp" as const, TargetPort: 80, PublishedPort: PORT, PublishMode: "ingress" as const }];
    const map = netMap(net, NODE, [service("web", { vip: `${net.ip(2)}/24`, ports })], [
      endpoint(net, "bench-b1", "web", 11, { nodeId: NODE }), endpoint(net, "bench-b2", "web", 12, { nodeId: NODE }),
      endpoint(net, "bench-c1", "client", 31, { nodeId: NODE }),
    ], { ingress: true });
    const sn = new ServiceNet({ log: createLogger("bench", "silent"), nodeId: NODE, docker, upstreams: [] });
    await sn.update([map]);
    await sn.stop();
    const pid = (await client.inspect()).State.Pid;
    const rows: [string, Result | string][] = [
      ["direct (task addresses)", await load([`${net.ip(11)}:80`, `${net.ip(12)}:80`], pid)],
      ["service VIP (nft DNAT in the client's netns)", await load([`${net.ip(2)}:80`], pid)],
      ["routing mesh (localhost:published)", await load([`127.0.0.1:${PORT}`])],
      ["Docker Swarm VIP / routing mesh", "Swarm cannot: no IPVS in this kernel"],
    ];
    const direct = rows[0]![1] as Result;
    console.log(`\nbench:network — ${CONCURRENCY} connections, ${SECONDS} s per mode, 2 replicas (a Node http server in each replica's netns), new connection per request\n`);
    console.log(`${"mode".padEnd(48)}${"req/s".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"× direct".padStart(10)}${"errors".padStart(8)}`);
    for (const [mode, r] of rows) {
      if (typeof r === "string") { console.log(`${mode.padEnd(48)}${r}`); continue; }
      console.log(`${mode.padEnd(48)}${r.rps.toFixed(0).padStart(9)}${r.p50.toFixed(2).padStart(9)}${r.p99.toFixed(2).padStart(9)}${(r.rps / direct.rps).toFixed(2).padStart(10)}${String(r.errors).padStart(8)}`);
    }
  } finally {
    for (const s of servers) s.kill();
    await localExec("nft", ["delete", "table", "ip", "jetswarm_mesh"]).catch(() => undefined);
    for (const rule of dockerUserRules(bridgeName(wireVni(net)))) await localExec("iptables", ["-D", ...rule]).catch(() => undefined);
    await cleanupTestNets(docker);
  }
}

await main();
