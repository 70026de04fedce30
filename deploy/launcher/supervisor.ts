import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync } from "node:fs";

export interface ProcessSpec {
  name: string;
  /** Script to run with this node binary. */
  script: string;
  args?: string[];
  /** Options for the node binary itself, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  env: Record<string, string>;
  logFile: string;
}

export interface SupervisedProcess {
  readonly spec: ProcessSpec;
  readonly child?: ChildProcess;
  readonly restarts: number;
}

/**
 * Keeps child processes running: one that exits unexpectedly (a crash, a kill -9) is started
 * again after a short back-off (200 ms doubling to 5 s, reset after 30 s of good health).
 * `stop()` sends SIGTERM in the given order and waits for each to exit (SIGKILL after 10 s).
 */
export class Supervisor {
  private readonly procs = new Map<string, { spec: ProcessSpec; child?: ChildProcess; restarts: number; startedAt: number; backoff: number }>();
  private stopping = false;

  constructor(private readonly onEvent: (msg: string) => void = () => {}) {}

  start(spec: ProcessSpec): void {
    const entry = { spec, restarts: 0, startedAt: 0, backoff: 200 };
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
    const child = spawn(process.execPath, [...(entry.spec.nodeArgs ?? []), entry.spec.script, ...(entry.spec.args ?? [])], {
      env: { ...process.env, ...entry.spec.env },
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    entry.child = child;
    entry.startedAt = Date.now();
    child.once("exit", (code, signal) => {
      if (this.stopping || entry.child !== child || this.procs.get(name) !== entry) return;
      if (Date.now() - entry.startedAt > 30_000) entry.backoff = 200;
      this.onEvent(`${name} exited (${signal ?? `code ${code}`}); restarting in ${entry.backoff} ms`);
      const delay = entry.backoff;
      entry.backoff = Math.min(entry.backoff * 2, 5000);
      entry.restarts++;
      setTimeout(() => this.launch(name), delay).unref();
    });
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

/** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited (at once if it has). */
async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
