/*
 * Hollow nodes (kubemark-style) for the scale benchmark: many REAL agents (services/agent
 * start()) in this one process, each driving a SIMULATED runtime (HollowExecutor: in-memory
 * containers, no Docker). Each joins through the api (POST /swarm/join with the worker token) as
 * its own node, then registers with a dispatcher, follows its NODE_TASKS subjects and reports
 * status exactly as a real agent does.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { start as startAgent } from "../../services/agent/index.js";
import { connectNats, ensureStreams, type Logger } from "../../services/shared/index.js";
import { HollowExecutor } from "./hollow-executor.js";
import { postJson } from "./hollow-cluster.js";

export interface HollowFleetOptions {
  apiUrl: string;
  natsUrl: string;
  workerToken: string;
  nodes: number;
  /** Agents sharing one NATS connection. Default 1 (one connection per node, as real nodes). */
  nodesPerConnection?: number;
  /** Joins / agent starts in flight at once. Default 16. */
  concurrency?: number;
  /** Simulated create/start latency, ms. Default 1. */
  delayMs?: number;
}

export interface HollowFleet {
  nodeIds: string[];
  /** Containers "running" in the simulated runtimes, over all hollow nodes. */
  running(): number;
  /** Containers "running" on each hollow node (for the spread check). */
  runningPerNode(): number[];
  /** Warnings and errors the agents logged (count, and the first few). */
  problems: { count: number; first: string[] };
  stop(): Promise<void>;
}

/** A Logger that drops info/debug (1,000 agents) and keeps a count and sample of warnings. */
function problemLogger(problems: HollowFleet["problems"], component = "hollow"): Logger {
  const keep = (lvl: string) => (msg: string, f?: Record<string, unknown>) => {
    problems.count++;
    if (problems.first.length < 5) problems.first.push(`${lvl} ${component}: ${msg} ${f ? JSON.stringify(f) : ""}`);
  };
  return { info: () => {}, debug: () => {}, warn: keep("warn"), error: keep("error"), child: (c) => problemLogger(problems, `${component}/${c}`) };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function startHollowFleet(o: HollowFleetOptions, say: (msg: string) => void): Promise<HollowFleet> {
  const problems = { count: 0, first: [] as string[] };
  const log = problemLogger(problems);
  const perConn = Math.max(1, o.nodesPerConnection ?? 1);
  const conns: NatsConnection[] = [];
  const agents: { stop(): Promise<void> }[] = [];
  const executors: HollowExecutor[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= (async () => {
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
  })();
  try {
    const names = Array.from({ length: o.nodes }, (_, i) => `hollow-${String(i).padStart(5, "0")}`);
    const joined = await pool(names, o.concurrency ?? 16, (name) =>
      postJson<{ NodeID: string }>(`${o.apiUrl}/swarm/join`, { JoinToken: o.workerToken, NodeName: name }));
    const nodeIds = joined.map((j) => j.NodeID);
    say(`${nodeIds.length} hollow nodes joined through the api`);
    for (let i = 0; i < Math.ceil(o.nodes / perConn); i++) {
      conns.push(await connectNats({ url: o.natsUrl, name: `hollow-conn-${i}` }));
    }
    await ensureStreams(conns[0]!);
    await pool(nodeIds, o.concurrency ?? 16, async (nodeId, i) => {
      const executor = new HollowExecutor({ hostname: names[i]!, ...(o.delayMs !== undefined ? { delayMs: o.delayMs } : {}) });
      executors.push(executor);
      agents.push(await startAgent({ nc: conns[Math.floor(i / perConn)]!, log, nodeId, executor, hostname: names[i]!, addr: "127.0.0.1" }));
    });
    say(`${agents.length} hollow agents registered (SIMULATED runtime, ${conns.length} NATS connections)`);
    return {
      nodeIds, problems, stop,
      running: () => executors.reduce((n, e) => n + e.running, 0),
      runningPerNode: () => executors.map((e) => e.running),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
