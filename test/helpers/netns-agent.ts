import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { joinCluster } from "../../deploy/launcher/join.js";
import { agentIdentity } from "../../deploy/launcher/bus-identities.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { serviceScript } from "../../deploy/launcher/scripts.js";
import { natsTlsEnv } from "../../services/shared/nats/index.js";
import type { TestCluster } from "./cluster.js";
import type { TestHost, TestHosts } from "./netns-hosts.js";

/*
 * A node's agent inside a netns test host, joined to a test cluster. The cluster's NATS listens on
 * the root namespace's loopback (its certificate names 127.0.0.1): a forwarder in the root
 * namespace on the underlay and one inside the host on 127.0.0.1:<port> carry the agent's
 * connection, so the agent uses the cluster's own URL and the certificate check holds.
 */

/** Pipes every connection to `to`. */
function pipeServer(to: { host: string; port: number }): Server {
  return createServer((a) => {
    const b = createConnection(to);
    a.pipe(b).pipe(a);
    a.on("error", () => b.destroy());
    b.on("error", () => a.destroy());
  });
}

/** The code of the forwarder that runs inside a test host (`node -e`). */
const FORWARDER = `
const net = require("node:net");
const [listenPort, host, port] = process.argv.slice(1);
net.createServer((a) => { const b = net.createConnection({ host, port: Number(port) }); a.pipe(b).pipe(a);
  a.on("error", () => b.destroy()); b.on("error", () => a.destroy()); }).listen(Number(listenPort), "127.0.0.1");
`;

export interface NetnsAgent {
  nodeId: string;
  host: TestHost;
  proc: ChildProcess;
  /** SIGKILL of the agent (as a crashed node). */
  kill(): void;
}

export interface NetnsAgents {
  agents: NetnsAgent[];
  /** Kills the agents and forwarders and removes the nodes' data dirs (their tasks die with the hosts). */
  stop(): void;
}

export interface NetnsAgentsOptions {
  /**
   * Hosts (0-based) whose agent runs in the root namespace and drives the host's with
   * `SWARM_NODE_NETNS` instead of running inside it. Default: none.
   */
  outside?: number[];
  /** `SWARM_RESOLV_CONF` of every agent (the node's resolver). Default: the agent's default. */
  resolvConf?: string;
}

/** Joins one worker per test host and runs its agent inside the host (DOCKER_HOST its dockerd, SWARM_NODE_ADDR its underlay address). */
export async function startNetnsAgents(c: TestCluster, hosts: TestHosts, opts: NetnsAgentsOptions = {}): Promise<NetnsAgents> {
  const natsPort = Number(new URL(c.natsUrl.split(",")[0]!).port);
  const rootPort = await freePort();
  const root = pipeServer({ host: "127.0.0.1", port: natsPort }).listen(rootPort, hosts.rootAddr);
  const procs: ChildProcess[] = [];
  const agents: NetnsAgent[] = [];
  const dirs: string[] = [];
  for (const [i, host] of hosts.hosts.entries()) {
    procs.push(spawn("nsenter", [`--net=${host.netns}`, process.execPath, "-e", FORWARDER, String(natsPort), hosts.rootAddr, String(rootPort)], { stdio: "ignore" }));
    const dataDir = mkdtempSync(join(tmpdir(), `jetswarm-nsagent${i + 1}-`));
    dirs.push(dataDir);
    const info = await c.get<{ JoinTokens: { Worker: string } }>("/swarm");
    // The join starts an agent of its own in the root namespace: stopped at once, ours runs in the host.
    const joined = await joinCluster({ manager: c.apiUrl, token: info.JoinTokens.Worker, nodeName: `nsh${i + 1}`, dataDir, natsUrl: c.natsUrl, bus: c.bus, secure: c.bus !== undefined });
    await joined.stop();
    writeFileSync(join(dataDir, "logs", "netns-agent.log"), "");
    const out = openSync(join(dataDir, "logs", "netns-agent.log"), "a");
    const outside = opts.outside?.includes(i) ?? false;
    const cmd = outside ? [process.execPath, serviceScript("agent")] : ["nsenter", `--net=${host.netns}`, process.execPath, serviceScript("agent")];
    const proc = spawn(cmd[0]!, cmd.slice(1), {
      stdio: ["ignore", out, out],
      env: {
        ...process.env, SWARM_NATS_URL: c.natsUrl, SWARM_NODE_ID: joined.nodeId, SWARM_NODE_ADDR: host.addr, DOCKER_HOST: host.dockerHost,
        SWARM_AGENT_DIR: join(dataDir, "agent"), ...natsTlsEnv(c.bus ? agentIdentity(dataDir, c.bus) : undefined),
        ...(outside ? { SWARM_NODE_NETNS: host.netns } : {}), ...(opts.resolvConf ? { SWARM_RESOLV_CONF: opts.resolvConf } : {}),
      },
    });
    procs.push(proc);
    agents.push({ nodeId: joined.nodeId, host, proc, kill: () => proc.kill("SIGKILL") });
  }
  return {
    agents,
    stop: () => {
      for (const p of procs) p.kill("SIGKILL");
      root.close();
      if (!process.env.JETSWARM_KEEP_DATA) for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
