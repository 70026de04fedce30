/*
 * HollowExecutor — a SIMULATED container runtime, for control-plane scale benchmarks only
 * (kubemark's "hollow nodes"). It implements the agent's Executor interface with containers kept
 * in memory: nothing is pulled, created or run on any engine. A container is "created" and
 * "started" after a tiny delay and then "runs" until it is stopped; it never exits by itself.
 * It must never stand in for Docker in a test that claims containers run (DESIGN §8).
 */
import type { NodeDescription } from "../../schemas/index.js";
import { ExecutorError, type ContainerCreate, type ContainerSummary, type Executor, type StopOptions } from "../../services/agent/index.js";

interface HollowContainer {
  summary: ContainerSummary;
  /** Resolvers of pending `wait`s, called with the exit code when the container stops. */
  waiters: Set<(code: number) => void>;
}

export interface HollowExecutorOptions {
  /** Reported as the node's hostname (and engine name). */
  hostname: string;
  /** Simulated latency of create and of start, ms. Default 1. */
  delayMs?: number;
  /** Reported CPUs. Default 4. */
  cpus?: number;
  /** Reported memory, bytes. Default 8 GiB. */
  memoryBytes?: number;
}

/**
 * The simulated latency: resolves after `ms`. Every hollow node of the process shares one timer per
 * due millisecond (a thousand nodes starting a hundred containers each would otherwise set 200,000
 * timers — the simulation's cost, not the agent's).
 */
const due = new Map<number, (() => void)[]>();
function sleep(ms: number): Promise<void> {
  const at = Math.ceil(performance.now() + ms);
  let waiting = due.get(at);
  if (!waiting) {
    const list: (() => void)[] = (waiting = []);
    due.set(at, list);
    setTimeout(() => { due.delete(at); for (const r of list) r(); }, Math.max(0, at - performance.now()));
  }
  const list = waiting;
  return new Promise<void>((r) => list.push(r));
}

/** A SIMULATED runtime: in-memory containers that start after `delayMs` and never exit on their own. */
export class HollowExecutor implements Executor {
  private readonly containers = new Map<string, HollowContainer>();
  private seq = 0;

  constructor(private readonly opts: HollowExecutorOptions) {}

  /** Containers currently "running" on this hollow node. */
  get running(): number {
    let n = 0;
    for (const c of this.containers.values()) if (c.summary.state === "running") n++;
    return n;
  }

  async describeNode(): Promise<NodeDescription> {
    return {
      hostname: this.opts.hostname,
      os: "linux",
      architecture: "x86_64",
      nanoCpus: (this.opts.cpus ?? 4) * 1e9,
      memoryBytes: this.opts.memoryBytes ?? 8 * 2 ** 30,
      engineVersion: "hollow (simulated)",
      engineLabels: { "hollow": "true" },
    };
  }

  async ensureImage(): Promise<void> { /* simulated: every image is present */ }

  async create(spec: ContainerCreate): Promise<string> {
    await sleep(this.opts.delayMs ?? 1);
    const id = `hollow${(++this.seq).toString(16).padStart(10, "0")}${this.opts.hostname}`;
    this.containers.set(id, {
      summary: { id, name: spec.name, labels: spec.Labels, state: "created", created: Math.floor(Date.now() / 1000) },
      waiters: new Set(),
    });
    return id;
  }

  async start(containerId: string): Promise<void> {
    await sleep(this.opts.delayMs ?? 1);
    this.get(containerId).summary.state = "running";
  }

  wait(containerId: string, signal: AbortSignal): Promise<number> {
    const c = this.containers.get(containerId);
    if (!c) return Promise.reject(new ExecutorError(`No such container: ${containerId}`, 404));
    if (c.summary.state !== "running") return Promise.resolve(c.summary.exitCode ?? 0);
    return new Promise((resolve, reject) => {
      const done = (code: number) => { signal.removeEventListener("abort", abort); resolve(code); };
      const abort = () => { c.waiters.delete(done); reject(new Error("wait aborted")); };
      c.waiters.add(done);
      signal.addEventListener("abort", abort, { once: true });
    });
  }

  /** Simulated: running or not, no health check, no published ports. */
  async inspect(containerId: string): Promise<{ running: boolean; ports: never[] }> {
    return { running: this.get(containerId).summary.state === "running", ports: [] };
  }

  async exitCode(containerId: string): Promise<number> {
    return this.containers.get(containerId)?.summary.exitCode ?? 0;
  }

  async stop(containerId: string, _opts: StopOptions): Promise<void> {
    const c = this.containers.get(containerId);
    if (!c || c.summary.state === "exited") return;
    c.summary.state = "exited";
    c.summary.exitCode = 0; // a simulated process that honours SIGTERM
    for (const w of [...c.waiters]) w(0);
    c.waiters.clear();
  }

  async remove(containerId: string): Promise<void> {
    await this.stop(containerId, { graceSeconds: 0 });
    this.containers.delete(containerId);
  }

  async list(nodeId: string): Promise<ContainerSummary[]> {
    return [...this.containers.values()]
      .filter((c) => c.summary.labels["jetswarm.node.id"] === nodeId)
      .map((c) => ({ ...c.summary }));
  }

  private get(containerId: string): HollowContainer {
    const c = this.containers.get(containerId);
    if (!c) throw new ExecutorError(`No such container: ${containerId}`, 404);
    return c;
  }
}
