import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import Docker from "dockerode";
import { swarmState, until } from "./engine-bench.js";

/*
 * Docker Swarm's side of bench:logs (issue #18): the same service (image, command, replicas,
 * lines) on the same engine in single-node swarm mode, then `docker service logs S` timed and its
 * lines counted, as jetswarm's `swarm service logs` is. The caller holds /work/wt/swarm-mode.lock:
 * swarm mode is entered here and always left before returning.
 */

const exec = promisify(execFile);
const docker = new Docker();
const SERVICE = "bench-swlogs";

export interface Counted {
  lines: number;
  ms: number;
  /** When the last line came, ms after the start: a reader that stalls and is killed is rated up to it. */
  lastMs: number;
  /** The exit status, and stderr's last line when it failed. */
  code: number | null;
  error?: string;
}

/** Runs a command, counting the lines of its stdout; resolves with the count, the wall time (ms) and how it ended. */
export function countAll(cmd: string, args: string[], opts: { idleMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Counted> {
  const idleMs = opts.idleMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...(opts.env ? { env: opts.env } : {}) });
    // A reader that prints nothing for idleMs is killed and reported (exit null, "stalled …"), not waited for.
    const idle = () => setTimeout(() => {
      err += `\nstalled: nothing printed for ${idleMs / 1000} s, killed`;
      child.kill("SIGKILL");
    }, idleMs);
    let timer = idle();
    let lines = 0;
    let lastMs = 0;
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      for (const b of d) if (b === 10) lines++;
      lastMs = performance.now() - t0;
      clearTimeout(timer);
      timer = idle();
    });
    child.stderr.on("data", (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      const last = err.trim().split("\n").pop();
      resolve({ lines, ms, lastMs, code, ...(code !== 0 && last ? { error: last } : {}) });
    });
  });
}

/** As countAll; a failure rejects (jetswarm's readers must not fail). */
export async function countLines(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Counted> {
  const r = await countAll(cmd, args, env ? { env } : {});
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.code}${r.error ? `: ${r.error}` : ""}`);
  return r;
}

export interface LogsShape {
  tasks: number;
  lines: number;
  runs: number;
  image: string;
  /** The tasks' `sh -c` script: `lines` lines, then sleep. */
  script: string;
  /** Told as each step ends. */
  step: (what: string) => void;
}

export interface SwarmLogsResult {
  /**
   * Per run: `docker service logs` wall time, ms, the lines it printed and how it ended (it may
   * end with "incomplete log stream": moby/moby#37336; counted, not thrown).
   */
  logs: Counted[];
  /** Per run: `docker service ls` wall time (the CLI's fixed cost), ms. */
  cliStart: number[];
}

async function taskContainers(): Promise<string[]> {
  return (await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${SERVICE}`], status: ["running"] } })).map((c) => c.Id);
}

/** Every task runs and has printed its last line (the engine holds all of them). */
async function allPrinted(s: LogsShape): Promise<boolean> {
  const ids = await taskContainers();
  if (ids.length !== s.tasks) return false;
  for (const id of ids) {
    const tail = (await docker.getContainer(id).logs({ stdout: true, tail: 1 })).toString();
    if (!tail.includes(`line ${s.lines - 1} `)) return false;
  }
  return true;
}

export async function swarmLogs(s: LogsShape): Promise<SwarmLogsResult> {
  if ((await swarmState(docker)) !== "inactive") throw new Error("the engine is in swarm mode already: another run holds it (use flock /work/wt/swarm-mode.lock)");
  const out: SwarmLogsResult = { logs: [], cliStart: [] };
  try {
    // Its pools away from jetswarm's (10.0.x), whose networks may still be on this engine.
    await exec("docker", ["swarm", "init", "--advertise-addr", "127.0.0.1", "--default-addr-pool", "10.240.0.0/16"]);
    s.step("swarm: initialised");
    await exec("docker", ["service", "create", "--detach", "--name", SERVICE, "--replicas", String(s.tasks), s.image, "sh", "-c", s.script]);
    await until(() => allPrinted(s), 300_000);
    s.step(`swarm: ${s.tasks} tasks have printed their lines`);
    for (let i = 0; i < s.runs; i++) {
      out.cliStart.push((await countLines("docker", ["service", "ls"])).ms);
      const r = await countAll("docker", ["service", "logs", SERVICE]);
      out.logs.push(r);
      s.step(`swarm run ${i + 1}: docker service logs ${r.lines} lines in ${r.ms.toFixed(0)} ms (the last at ${r.lastMs.toFixed(0)} ms), exit ${r.code}${r.error ? `: ${r.error}` : ""}`);
    }
    return out;
  } finally {
    await exec("docker", ["service", "rm", SERVICE]).catch(() => undefined);
    await until(async () => (await docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${SERVICE}`] } })).length === 0, 60_000).catch(() => undefined);
    await exec("docker", ["swarm", "leave", "--force"]).catch(() => undefined);
  }
}
