import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { serviceScript } from "../../deploy/launcher/local-cluster.js";

/** One line the service logged (services log one JSON object per line on stderr). */
export interface LogRecord { msg: string; c?: string; lvl?: string; [k: string]: unknown }

export interface ServiceProcess {
  instanceId: string;
  child: ChildProcess;
  /** `performance.now()` just before the spawn. */
  spawnedAt: number;
  /** Every record logged so far, with `performance.now()` when it was read. */
  records: { at: number; rec: LogRecord }[];
  /** Resolves with the first record (already seen or to come) that `match` accepts. */
  waitForLog(match: (r: LogRecord) => boolean, timeoutMs?: number): Promise<{ at: number; rec: LogRecord }>;
  /** Sends `signal` (default SIGKILL) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A control-plane service as its own process (`node dist/services/<name>/main.js`), not supervised. */
export function spawnService(name: string, instanceId: string, env: Record<string, string>): ServiceProcess {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [serviceScript(name)], {
    env: { ...process.env, SWARM_INSTANCE_ID: instanceId, ...env }, stdio: ["ignore", "ignore", "pipe"],
  });
  const records: ServiceProcess["records"] = [];
  const waiters = new Set<{ match: (r: LogRecord) => boolean; resolve: (x: { at: number; rec: LogRecord }) => void }>();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  createInterface({ input: child.stderr! }).on("line", (line) => {
    let rec: LogRecord;
    try { rec = JSON.parse(line) as LogRecord; } catch { return; }
    const item = { at: performance.now(), rec };
    records.push(item);
    for (const w of waiters) if (w.match(rec)) { waiters.delete(w); w.resolve(item); }
  });
  return {
    instanceId, child, spawnedAt, records,
    waitForLog: (match, timeoutMs = 60_000) => {
      const seen = records.find((x) => match(x.rec));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { match, resolve: (x: { at: number; rec: LogRecord }) => { clearTimeout(timer); resolve(x); } };
        const timer = setTimeout(() => { waiters.delete(w); reject(new Error(`${instanceId} did not log the expected line within ${timeoutMs} ms`)); }, timeoutMs);
        waiters.add(w);
        void exited.then(() => { if (waiters.delete(w)) { clearTimeout(timer); reject(new Error(`${instanceId} exited (code ${child.exitCode}, ${child.signalCode}) before the expected line`)); } });
      });
    },
    kill: async (signal = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
