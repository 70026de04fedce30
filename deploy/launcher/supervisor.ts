import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync } from "node:fs";

export interface ProcessSpec {
  name: string;
  /** Script to run with this node binary (unless `command` is given). */
  script?: string;
  /** An executable to run instead of a node script (nats-server), with `args`. */
  command?: string;
  args?: string[];
  /** Options for the node binary itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  env: Record<string, string>;
  logFile: string;
  /** Restart back-off; default DEFAULT_BACKOFF. */
  backoff?: Backoff;
}

/** Restart delays: `firstMs`, doubling up to `maxMs`, back to `firstMs` after `healthyMs` up. */
export interface Backoff { firstMs: number; maxMs: number; healthyMs: number }

/** The control-plane services' and the agent's back-off: 200 ms doubling to 5 s, reset after 30 s. */
export const DEFAULT_BACKOFF: Backoff = { firstMs: 200, maxMs: 5000, healthyMs: 30_000 };

export interface SupervisedProcess {
  readonly spec: ProcessSpec;
  readonly child?: ChildProcess;
  readonly restarts: number;
}

/**
 * Keeps child processes running: one that exits unexpectedly (a crash, a kill -9) is started
 * again after a back-off (the spec's, by default 200 ms doubling to 5 s, reset after 30 s of good
 * health), and `onEvent` says so (`nats-server exited (signal SIGKILL); restarting in 0.5 s`).
 * `stop()` sends SIGTERM in the given order and waits for each to exit (SIGKILL after 10 s).
 */
export class Supervisor {
  private readonly procs = new Map<string, { spec: ProcessSpec; child?: ChildProcess; restarts: number; startedAt: number; backoff: number }>();
  private stopping = false;

  constructor(private readonly onEvent: (msg: string) => void = () => {}) {}

  start(spec: ProcessSpec): void {
    const entry = { spec, restarts: 0, startedAt: 0, backoff: (spec.backoff ?? DEFAULT_BACKOFF).firstMs };
    this.procs.set(spec.name, entry);
    this.launch(spec.name);
  }

  get(name: string): SupervisedProcess | undefined {
    return this.procs.get(name);
  }

  names(): string[] {
    return [...this.procs.keys()];
  }

  private launch(name: string): void {
    const entry = this.procs.get(name);
    if (!entry || this.stopping) return;
    const fd = openSync(entry.spec.logFile, "a");
    const { command, argv } = commandLine(entry.spec);
    const child = spawn(command, argv, {
      env: { ...process.env, ...entry.spec.env },
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    entry.child = child;
    entry.startedAt = Date.now();
    if (entry.restarts > 0) this.onEvent(`${name} restarted (pid ${child.pid}, restart ${entry.restarts})`);
    let ended = false;
    const onEnd = (code: number | null, signal: NodeJS.Signals | null) => {
      if (ended) return;
      ended = true;
      if (this.stopping || entry.child !== child || this.procs.get(name) !== entry) return;
      const b = entry.spec.backoff ?? DEFAULT_BACKOFF;
      if (Date.now() - entry.startedAt > b.healthyMs) entry.backoff = b.firstMs;
      const delay = entry.backoff;
      this.onEvent(`${name} exited (${signal ? `signal ${signal}` : code !== null ? `code ${code}` : "could not start"}); restarting in ${delay / 1000} s`);
      entry.backoff = Math.min(entry.backoff * 2, b.maxMs);
      entry.restarts++;
      setTimeout(() => this.launch(name), delay).unref();
    };
    child.once("exit", onEnd);
    // A spawn that failed (no such executable) may not emit "exit": it is retried all the same.
    child.once("error", () => { if (child.pid === undefined) onEnd(null, null); });
  }

  /** Stops one process for good (SIGTERM, SIGKILL after 10 s) and forgets it: it is not restarted. */
  async remove(name: string): Promise<void> {
    const entry = this.procs.get(name);
    if (!entry) return;
    this.procs.delete(name);
    await terminate(entry.child);
  }

  /**
   * Sends `signal` to one process (tests use SIGKILL to simulate a crash); it will be restarted,
   * unless `restart: false` (then it is forgotten: a test that needs the crashed one to stay gone).
   */
  kill(name: string, signal: NodeJS.Signals = "SIGKILL", opts: { restart?: boolean } = {}): number | undefined {
    if (opts.restart === false) {
      const entry = this.procs.get(name);
      this.procs.delete(name);
      entry?.child?.kill(signal);
      return entry?.child?.pid;
    }
    const child = this.procs.get(name)?.child;
    const pid = child?.pid;
    child?.kill(signal);
    return pid;
  }

  async stop(order: string[] = [...this.procs.keys()].reverse()): Promise<void> {
    this.stopping = true;
    for (const name of order) await terminate(this.procs.get(name)?.child);
  }
}

function commandLine(spec: ProcessSpec): { command: string; argv: string[] } {
  if (spec.command) return { command: spec.command, argv: spec.args ?? [] };
  if (!spec.script) throw new Error(`process ${spec.name}: neither a script nor a command`);
  return { command: process.execPath, argv: [...(spec.nodeArgs ?? []), spec.script, ...(spec.args ?? [])] };
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited (at once if it has). */
async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
