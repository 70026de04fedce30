/*
 * Hollow nodes (kubemark-style) for the scale benchmark: many REAL agents (services/agent
 * start()) in worker threads of the benchmark's process, each driving a SIMULATED runtime
 * (HollowExecutor: in-memory containers, no Docker). Each joins through the api (POST /jetswarm/join
 * with the worker token) as its own node, then registers with a dispatcher, follows its NODE_TASKS
 * subjects and reports status exactly as a real agent does. The agents run off the benchmark's
 * main thread, so that its requests and timings are not delayed by a thousand agents' event loop
 * (measured: 1.2 s p99 loop lag with them on the main thread).
 */
import { Worker } from "node:worker_threads";
import type { NatsConnection } from "@nats-io/transport-node";
import { start as startAgent } from "../../services/agent/index.js";
import { connectNats, ensureStreams, type NatsTls } from "../../services/shared/nats/index.js";
import { createKeyAndCsr } from "../../services/shared/pki/index.js";
import { nodeInbox } from "../../schemas/bus-permissions.js";
import { join } from "node:path";
import { saveHollowIdentity } from "./hollow-security.js";
import { type Logger } from "../../services/shared/telemetry/index.js";
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
  /** Worker threads the agents are spread over. Default 1. */
  threads?: number;
  /**
   * The bus is secured (hollow-security.ts): each node joins with a CSR, keeps its key and
   * certificate under `<identityDir>/<name>/` and connects as itself (one connection per node,
   * admitted by the auth callout). Default: plaintext.
   */
  identityDir?: string;
}

export interface HollowFleet {
  nodeIds: string[];
  /** Containers "running" on each hollow node (for the spread check and the total). */
  runningPerNode(): Promise<number[]>;
  /** Warnings and errors the agents logged (count, and the first few). */
  problems(): Promise<{ count: number; first: string[] }>;
  stop(): Promise<void>;
}

/** A Logger that drops info/debug (1,000 agents) and keeps a count and sample of warnings. */
function problemLogger(problems: { count: number; first: string[] }, component = "hollow"): Logger {
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

/** What one thread runs: the agents of some joined nodes. */
export interface AgentsSlice {
  natsUrl: string;
  /** `tls`: the node's own identity on a secured bus (then one connection per node). */
  nodes: { nodeId: string; name: string; tls?: NatsTls }[];
  nodesPerConnection: number;
  concurrency: number;
  delayMs?: number;
}

export interface RunningAgents {
  connections: number;
  runningPerNode(): number[];
  problems: { count: number; first: string[] };
  stop(): Promise<void>;
}

/** Starts the slice's agents in this thread (called by hollow-worker.ts). */
export async function startAgentsHere(o: AgentsSlice): Promise<RunningAgents> {
  const problems = { count: 0, first: [] as string[] };
  const log = problemLogger(problems);
  const secure = o.nodes.some((n) => n.tls);
  // A node's identity is admitted with that node's subjects only: one connection per node.
  const perConn = secure ? 1 : Math.max(1, o.nodesPerConnection);
  const conns: NatsConnection[] = [];
  const agents: { stop(): Promise<void> }[] = [];
  const executors: HollowExecutor[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= (async () => {
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
  })();
  try {
    for (let i = 0; i < Math.ceil(o.nodes.length / perConn); i++) {
      const n = o.nodes[i * perConn]!;
      conns.push(await connectNats({ url: o.natsUrl, name: `hollow-conn-${n.name}`, ...(n.tls ? { tls: n.tls, inboxPrefix: nodeInbox(n.nodeId) } : {}) }));
    }
    // A node's identity may not create streams (the control plane has).
    if (!secure) await ensureStreams(conns[0]!);
    await pool(o.nodes, o.concurrency, async ({ nodeId, name }, i) => {
      const executor = new HollowExecutor({ hostname: name, ...(o.delayMs !== undefined ? { delayMs: o.delayMs } : {}) });
      executors[i] = executor;
      agents.push(await startAgent({ nc: conns[Math.floor(i / perConn)]!, log, nodeId, executor, hostname: name, addr: "127.0.0.1" }));
    });
    return { connections: conns.length, problems, stop, runningPerNode: () => executors.map((e) => e.running) };
  } catch (err) {
    await stop();
    throw err;
  }
}

type Reply = { id: number; perNode?: number[]; problems?: { count: number; first: string[] } };

/** Joins every node through the api, then runs their agents in `threads` worker threads. */
export async function startHollowFleet(o: HollowFleetOptions, say: (msg: string) => void): Promise<HollowFleet> {
  const names = Array.from({ length: o.nodes }, (_, i) => `hollow-${String(i).padStart(5, "0")}`);
  const joined = await pool(names, o.concurrency ?? 16, async (name) => {
    if (!o.identityDir) return { NodeID: (await postJson<{ NodeID: string }>(`${o.apiUrl}/jetswarm/join`, { JoinToken: o.workerToken, NodeName: name })).NodeID };
    const { keyPem, csrPem } = await createKeyAndCsr();
    const r = await postJson<{ NodeID: string; Certificate: string; CACert: string }>(`${o.apiUrl}/jetswarm/join`, { JoinToken: o.workerToken, NodeName: name, Csr: csrPem });
    return { NodeID: r.NodeID, tls: saveHollowIdentity(join(o.identityDir, name), { keyPem, certPem: r.Certificate, caPem: r.CACert }) };
  });
  const nodeIds = joined.map((j) => j.NodeID);
  say(`${nodeIds.length} hollow nodes joined through the api`);
  const threads = Math.max(1, Math.min(o.threads ?? 1, o.nodes));
  const workers: Worker[] = [];
  /** Each worker's end: a question to a thread that has exited (or failed to start) gets an empty answer. */
  const exited = new Map<Worker, Promise<void>>();
  const waiting = new Map<number, (r: Reply) => void>();
  let nextId = 0;
  const ask = (w: Worker, msg: { type: string }) => {
    const id = nextId++;
    const answer = new Promise<Reply>((resolve) => {
      waiting.set(id, resolve);
      w.postMessage({ ...msg, id });
    });
    return Promise.race([answer, exited.get(w)!.then((): Reply => ({ id }))]).finally(() => waiting.delete(id));
  };
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= (async () => {
    // A thread that neither answers nor exits within 10 s is terminated anyway.
    const late = () => new Promise<void>((r) => setTimeout(r, 10_000).unref());
    await Promise.all(workers.map((w) => Promise.race([ask(w, { type: "stop" }), late()])));
    await Promise.all(workers.map((w) => w.terminate()));
  })();
  try {
    let connections = 0;
    const per = Math.ceil(o.nodes / threads);
    await Promise.all(Array.from({ length: threads }, (_, t) => {
      const nodes = joined.slice(t * per, (t + 1) * per).map((j, i) => ({ nodeId: j.NodeID, name: names[t * per + i]!, ...(j.tls ? { tls: j.tls } : {}) }));
      const slice: AgentsSlice = {
        natsUrl: o.natsUrl, nodes, nodesPerConnection: o.nodesPerConnection ?? 1,
        concurrency: Math.max(1, Math.ceil((o.concurrency ?? 16) / threads)), ...(o.delayMs !== undefined ? { delayMs: o.delayMs } : {}),
      };
      const w = new Worker(new URL("./hollow-worker.js", import.meta.url), { workerData: slice });
      workers.push(w);
      exited.set(w, new Promise<void>((r) => w.once("exit", () => r())));
      return new Promise<void>((resolve, reject) => {
        w.on("message", (m: { type: string; connections?: number; error?: string } & Reply) => {
          if (m.type === "ready") { connections += m.connections ?? 0; resolve(); }
          else if (m.type === "failed") reject(new Error(`hollow agents thread ${t}: ${m.error}`));
          else waiting.get(m.id)?.(m);
        });
        w.once("error", reject);
        w.once("exit", (code) => reject(new Error(`hollow agents thread ${t} exited (${code}) before it was ready`)));
      });
    }));
    say(`${o.nodes} hollow agents registered (SIMULATED runtime, ${connections} NATS connections, ${threads} threads)`);
    return {
      nodeIds, stop,
      runningPerNode: async () => (await Promise.all(workers.map((w) => ask(w, { type: "running" })))).flatMap((r) => r.perNode ?? []),
      problems: async () => {
        const all = await Promise.all(workers.map((w) => ask(w, { type: "problems" })));
        return { count: all.reduce((n, r) => n + (r.problems?.count ?? 0), 0), first: all.flatMap((r) => r.problems?.first ?? []).slice(0, 5) };
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
