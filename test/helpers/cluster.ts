import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Docker from "dockerode";
import { startLocalCluster, type LocalCluster } from "../../deploy/launcher/local-cluster.js";
import { joinCluster, type JoinedNode } from "../../deploy/launcher/join.js";
import type { NodeAddrFlags } from "../../deploy/launcher/node-addr.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { requestApi, type ApiRequest } from "../../cli/http-request.js";

const run = promisify(execFile);
export const docker = new Docker();
export const IMAGE = "jetswarm-test/busybox:1";
export const IMAGE2 = "jetswarm-test/busybox:2";
const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));

export interface TestCluster extends LocalCluster {
  /** Runs the `swarm` CLI against this cluster; resolves with stdout (rejects on non-zero exit). */
  swarm(...args: string[]): Promise<string>;
  /** Raw api GET over the api's socket, parsed. */
  get<T>(path: string): Promise<T>;
  /** One raw request over the api's socket (actor `local`). */
  api(path: string, init?: ApiRequest): Promise<Response>;
  /** Containers of this cluster's node (all states). */
  containers(filter?: { running?: boolean; service?: string }): Promise<Docker.ContainerInfo[]>;
  /** Agents started by `joinAgent`; `cleanup()` stops them and removes their containers. */
  joined: JoinedAgent[];
  /** What the launcher said (`swarm up` prints these): starts, exits and restarts of its processes. */
  said: string[];
  cleanup(): Promise<void>;
}

export interface JoinedAgent extends JoinedNode {
  name: string;
  dataDir: string;
  /** Containers of this node (all states). */
  containers(filter?: { running?: boolean; service?: string }): Promise<Docker.ContainerInfo[]>;
}

/** One request to the api at `url` (`unix:///…/api.sock`, or `http(s)://`), as the CLI sends it. */
export function apiFetch(url: string, path: string, init: ApiRequest = { method: "GET" }): Promise<Response> {
  return requestApi(url, path, init);
}

/** Containers an agent labelled as its node's (several agents share one Docker Engine). */
export async function containersOfNode(nodeId: string, filter: { running?: boolean; service?: string } = {}): Promise<Docker.ContainerInfo[]> {
  const labels = [`jetswarm.node.id=${nodeId}`];
  if (filter.service) labels.push(`jetswarm.service.name=${filter.service}`);
  const list = await docker.listContainers({ all: true, filters: { label: labels } });
  return filter.running ? list.filter((x) => x.State === "running") : list;
}

/**
 * Another node: `swarm join` with the worker token and its own data dir, running one more agent on
 * the same Docker Engine (it only touches containers labelled with its own node id).
 */
export async function joinAgent(c: TestCluster, name: string, role: "worker" | "manager" = "worker", addr: NodeAddrFlags = {}): Promise<JoinedAgent> {
  const dataDir = mkdtempSync(join(tmpdir(), `jetswarm-${name}-`));
  const info = await c.get<{ JoinTokens: { Worker: string; Manager: string } }>("/swarm");
  const token = role === "manager" ? info.JoinTokens.Manager : info.JoinTokens.Worker;
  const node = await joinCluster({ manager: c.apiUrl, token, nodeName: name, dataDir, natsUrl: c.natsUrl, apiPort: await freePort(), bus: c.bus, secure: c.bus !== undefined, ...addr });
  const agent: JoinedAgent = { ...node, name, dataDir, containers: (f) => containersOfNode(node.nodeId, f) };
  c.joined.push(agent);
  return agent;
}

export interface TestClusterOptions {
  /** Run against this NATS (comma-separated URLs, e.g. a `testNatsCluster`) instead of starting one. */
  natsUrls?: string;
  /** Stream and bucket replicas with `natsUrls`. Default 1. */
  streamReplicas?: number;
  /** Servers of the embedded NATS the launcher supervises (`swarm up --nats-cluster`). Default 1. */
  natsCluster?: number;
  /** `host:port` of the api's HTTPS listener (its certificate names that host). Default 127.0.0.1 on a free port. */
  apiAddr?: string;
}

/**
 * A stopped agent leaves its overlay networks (a restarted one keeps using them): the Docker
 * networks it made on the shared engine go, and with each its VXLAN device (the bridge goes with
 * the network), so that no later cluster on this host meets a stale `jsbr<vni>`.
 */
export async function removeNodeNetworks(nodeId: string): Promise<void> {
  for (const n of await docker.listNetworks({ filters: { label: [`jetswarm.node.id=${nodeId}`] } })) {
    const vni = /^jsbr(\d+)$/.exec(n.Options?.["com.docker.network.bridge.name"] ?? "")?.[1];
    if (vni) await run("ip", ["link", "del", `jsvx${vni}`]).catch(() => undefined);
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
}

/** Unmounts every mount point below `dir` (the agents' per-task tmpfs). */
export async function unmountUnder(dir: string): Promise<void> {
  const points = readFileSync("/proc/mounts", "utf8").split("\n").map((l) => l.split(" ")[1] ?? "").filter((m) => m.startsWith(`${dir}/`));
  for (const m of points) await run("umount", ["-l", m]).catch(() => undefined);
}

/** The first of `n` consecutive free ports (a cluster's servers take the next ones); retried a few times. */
async function freePorts(n: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const first = await freePort();
    let ok = first + n - 1 <= 65535;
    for (let i = 1; ok && i < n; i++) ok = await portFree(first + i);
    if (ok || attempt >= 20) return first;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * The whole stack as separate processes (nats-server, control plane, agent) on free ports and a
 * temp dir; with `natsUrls` the control plane and agent use that NATS (left running by `cleanup`).
 */
export async function startTestCluster(name: string, opts: TestClusterOptions = {}): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), `jetswarm-${name}-`));
  const said: string[] = [];
  const size = opts.natsCluster ?? 1;
  const c = await startLocalCluster({
    dataDir, natsUrl: opts.natsUrls, streamReplicas: opts.streamReplicas, natsCluster: opts.natsUrls ? undefined : size,
    natsPort: await freePorts(size), natsClusterPort: await freePorts(size), apiPort: await freePort(), nodeName: `test-${name}`, apiAddr: opts.apiAddr,
    onEvent: (m) => said.push(m),
  });
  const containers = (filter: { running?: boolean; service?: string } = {}) => containersOfNode(c.nodeId, filter);
  const joined: JoinedAgent[] = [];
  return {
    ...c,
    swarm: async (...args) => (await run(process.execPath, [CLI, "--host", c.socketUrl, ...args], { timeout: 120_000 })).stdout,
    api: (path, init = { method: "GET" }) => apiFetch(c.socketUrl, path, init),
    get: async <T>(path: string) => {
      const res = await apiFetch(c.socketUrl, path);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    containers,
    joined,
    said,
    cleanup: async () => {
      for (const a of joined) await a.stop();
      await c.stop();
      for (const nodeId of [c.nodeId, ...joined.map((a) => a.nodeId)]) {
        for (const info of await containersOfNode(nodeId)) await docker.getContainer(info.Id).remove({ force: true }).catch(() => {});
      }
      for (const nodeId of [c.nodeId, ...joined.map((a) => a.nodeId)]) await removeNodeNetworks(nodeId);
      // A stopped agent leaves its tasks' file mounts (a restarted one would adopt them).
      for (const d of [dataDir, ...joined.map((a) => a.dataDir)]) await unmountUnder(d);
      for (const a of joined) rmSync(a.dataDir, { recursive: true, force: true });
      if (!process.env.JETSWARM_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
