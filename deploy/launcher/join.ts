import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Supervisor } from "./supervisor.js";
import { serviceScript } from "./local-cluster.js";

export interface JoinOptions {
  /** The api of a manager, `HOST:PORT` or a URL. */
  manager: string;
  token: string;
  nodeName: string;
  dataDir: string;
  /** NATS of the cluster. Default `nats://<manager host>:4222`. */
  natsUrl?: string;
  onEvent?: (msg: string) => void;
}

export interface JoinedNode {
  nodeId: string;
  role: string;
  resumed: boolean;
  supervisor: Supervisor;
  stop(): Promise<void>;
}

function apiUrlOf(manager: string): URL {
  return new URL(/^https?:\/\//.test(manager) ? manager : `http://${manager}`);
}

/** `swarm join`: joins with a token (once per data dir) and runs this node's agent. */
export async function joinCluster(opts: JoinOptions): Promise<JoinedNode> {
  mkdirSync(join(opts.dataDir, "logs"), { recursive: true });
  const api = apiUrlOf(opts.manager);
  const natsUrl = opts.natsUrl ?? `nats://${api.hostname}:4222`;
  const file = join(opts.dataDir, "node.json");
  let node: { nodeId: string; role: string };
  let resumed = false;
  if (existsSync(file)) {
    node = JSON.parse(readFileSync(file, "utf8")) as { nodeId: string; role: string };
    resumed = true;
  } else {
    const res = await fetch(new URL("/swarm/join", api), {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ JoinToken: opts.token, NodeName: opts.nodeName }),
    }).catch((err: unknown) => { throw new Error(`cannot reach the manager at ${api.origin}: ${(err as Error).message}`); });
    const body = (await res.json()) as { NodeID?: string; Role?: string; message?: string };
    if (!res.ok || !body.NodeID) throw new Error(body.message ?? `join failed with HTTP ${res.status}`);
    node = { nodeId: body.NodeID, role: body.Role ?? "worker" };
    writeFileSync(file, JSON.stringify(node, null, 2) + "\n");
  }
  const supervisor = new Supervisor(opts.onEvent);
  supervisor.start({
    name: "agent", script: serviceScript("agent"),
    env: { SWARM_NATS_URL: natsUrl, SWARM_NODE_ID: node.nodeId, SWARM_INSTANCE_ID: `agent-${node.nodeId.slice(0, 12)}` },
    logFile: join(opts.dataDir, "logs", "agent.log"),
  });
  return { ...node, resumed, supervisor, stop: () => supervisor.stop() };
}
