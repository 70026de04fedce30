import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { startNatsServer, type NatsServerHandle } from "./nats-server.js";
import { Supervisor } from "./supervisor.js";
import { startControlPlane, type ControlPlaneRunner } from "./control-plane-runner.js";
import { serviceScript } from "./scripts.js";

/** The control-plane services `swarm up` runs, each as its own process, in start order. */
export const CONTROL_PLANE = ["api", "orchestrator", "scheduler", "dispatcher"] as const;

export interface LocalClusterOptions {
  /** Where NATS data, logs and node.json live. */
  dataDir: string;
  /** Use an existing NATS (comma-separated URLs) instead of starting one. */
  natsUrl?: string;
  /** Port of the embedded nats-server. Default 4222. */
  natsPort?: number;
  /** Port of the api on 127.0.0.1. Default 4280. */
  apiPort?: number;
  /** Name of this node. Default the host name. */
  nodeName?: string;
  onEvent?: (msg: string) => void;
}

export interface LocalCluster {
  apiUrl: string;
  natsUrl: string;
  nodeId: string;
  dataDir: string;
  supervisor: Supervisor;
  nats?: NatsServerHandle;
  stop(): Promise<void>;
}

interface NodeFile { nodeId: string; clusterId: string }

export { serviceScript };

async function assertPortFree(port: number, what: string, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = createServer();
    s.once("error", () => reject(new Error(`port ${port} for ${what} is already in use: choose another with ${flag}`)));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve()));
  });
}

/** The agent first, then the control plane in reverse start order (every instance of each). */
export function stopOrder(supervisor: Supervisor): string[] {
  const names = supervisor.names();
  const of = (service: string) => names.filter((n) => n === service || n.startsWith(`${service}-`));
  return ["agent", ...[...CONTROL_PLANE].reverse().flatMap(of)];
}

/** Starts (or resumes, on the same data dir) a single-node cluster: NATS, the control plane, one agent. */
export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  const say = opts.onEvent ?? (() => {});
  const dataDir = opts.dataDir;
  const logs = join(dataDir, "logs");
  mkdirSync(logs, { recursive: true });
  const apiPort = opts.apiPort ?? 4280;
  await assertPortFree(apiPort, "the api", "--api-port");
  let nats: NatsServerHandle | undefined;
  let natsUrl = opts.natsUrl;
  if (!natsUrl) {
    const port = opts.natsPort ?? 4222;
    await assertPortFree(port, "nats-server", "--nats-port");
    nats = await startNatsServer({ dataDir: join(dataDir, "nats"), port, logFile: join(logs, "nats-server.log") });
    natsUrl = nats.url;
    say(`nats-server listening on ${natsUrl}`);
  }
  const supervisor = new Supervisor(say);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const base = { SWARM_NATS_URL: natsUrl, SWARM_API_ADDR: `127.0.0.1:${apiPort}` };
  let controlPlane: ControlPlaneRunner | undefined;
  let nodeId: string | undefined;
  const stop = async () => {
    await controlPlane?.stop();
    await supervisor.stop(stopOrder(supervisor));
    await nats?.stop();
  };
  try {
    controlPlane = await startControlPlane({
      supervisor, natsUrl, nodeId: () => nodeId, logs, env: base, instanceId: (s, k) => `${s}-${k}`, onEvent: say,
    });
    const node = await initOrResume(apiUrl, dataDir, opts.nodeName ?? hostname());
    nodeId = node.nodeId;
    controlPlane.reconcile();
    supervisor.start({
      name: "agent", script: serviceScript("agent"),
      env: { ...base, SWARM_NODE_ID: node.nodeId, SWARM_INSTANCE_ID: `agent-${node.nodeId.slice(0, 12)}` },
      logFile: join(logs, "agent.log"),
    });
    return { apiUrl, natsUrl, nodeId: node.nodeId, dataDir, supervisor, nats, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForApi(apiUrl: string, timeoutMs = 60_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(`${apiUrl}/swarm`);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the api did not answer on ${apiUrl} within ${timeoutMs / 1000} s (see logs/api.log)`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** First start: `swarm init` through the api and remember the node; later starts: reuse it. */
async function initOrResume(apiUrl: string, dataDir: string, nodeName: string): Promise<NodeFile> {
  const file = join(dataDir, "node.json");
  const res = await waitForApi(apiUrl);
  if (res.ok) {
    if (!existsSync(file)) throw new Error(`the cluster is initialised but ${file} is missing: this data dir belongs to another node`);
    return JSON.parse(readFileSync(file, "utf8")) as NodeFile;
  }
  if (res.status !== 503) throw new Error(`api answered ${res.status} to GET /swarm: ${await res.text()}`);
  const init = await fetch(`${apiUrl}/swarm/init`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ NodeName: nodeName }),
  });
  const body = (await init.json()) as { ClusterID?: string; NodeID?: string; message?: string };
  if (!init.ok || !body.NodeID || !body.ClusterID) throw new Error(`swarm init failed: ${body.message ?? init.status}`);
  const node = { nodeId: body.NodeID, clusterId: body.ClusterID };
  writeFileSync(file, JSON.stringify(node, null, 2) + "\n");
  return node;
}
