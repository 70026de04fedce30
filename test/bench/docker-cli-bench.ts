import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Docker from "dockerode";
import { until } from "./engine-bench.js";

/*
 * bench:swarm's docker-CLI column (issue #19): the same create and rolling update typed as docker
 * CLI commands against `host` (jetswarm's api socket, or the engine in swarm mode). Two ways:
 * - `detach`: `--detach`, then the bench polls with `docker service ps` / `service inspect`
 *   (one CLI process per poll), as a script would;
 * - progress (no `-d`): the CLI's own wait (docker/cli service/progress: polls the service, its
 *   `_up-to-date` tasks and the nodes every 200 ms; returns once the tasks ran for the monitor
 *   period, or at once when `UpdateStatus` says completed before it saw them converge).
 * Each figure comes with when the cluster itself got there, from the API's own timestamps (the
 * last task's `Status.Timestamp`, `UpdateStatus.CompletedAt`): the difference is what the CLI's
 * way of waiting adds.
 */

const exec = promisify(execFile);
/**
 * Pause between two polling CLI processes: the CLI's own progress period. Back to back (the
 * 50 ms of `until`) the polls were a docker process and five api requests every ~0.5 s under
 * load — a core kept busy by the bench itself, taken from the cluster it times.
 */
const POLL_MS = 200;

export interface CliTimings {
  create: number; update: number;
  /** When the last task was running / the update completed, by the cluster's timestamps (ms from the command). */
  createSettled: number; updateSettled: number;
  /** CLI processes the bench ran to poll, and their mean duration (detach only). */
  polls: number; pollMs: number;
}

export interface CliRunOptions {
  /** `unix:///…/api.sock`; undefined: the local engine (Swarm mode). */
  host: string | undefined;
  name: string;
  replicas: number;
  image: string;
  image2: string;
  cmd: string[];
  detach: boolean;
}

function engineOf(host: string | undefined): Docker {
  return host ? new Docker({ socketPath: host.replace(/^unix:\/\//, "") }) : new Docker();
}

/** The last running task's status time, ms since the epoch. */
async function lastRunningAt(engine: Docker, name: string): Promise<number> {
  const tasks = (await engine.listTasks({ filters: { service: [name], "desired-state": ["running"] } })) as { Status?: { State?: string; Timestamp?: string } }[];
  return Math.max(...tasks.filter((t) => t.Status?.State === "running").map((t) => Date.parse(t.Status?.Timestamp ?? "")));
}

export async function dockerCliRun(o: CliRunOptions): Promise<CliTimings> {
  const env = { ...process.env, ...(o.host ? { DOCKER_HOST: o.host } : {}), DOCKER_CLI_HINTS: "false" };
  const engine = engineOf(o.host);
  let polls = 0;
  let pollTotal = 0;
  const cli = async (poll: boolean, ...args: string[]) => {
    const t = performance.now();
    const out = (await exec("docker", args, { env, maxBuffer: 16 * 1024 * 1024 })).stdout;
    if (poll) { polls++; pollTotal += performance.now() - t; }
    return out;
  };
  const detach = o.detach ? ["--detach"] : ["--quiet"];
  const runningTasks = async () => (await cli(true, "service", "ps", "--filter", "desired-state=running", "--format", "{{.CurrentState}}", o.name))
    .split("\n").filter((l) => l.startsWith("Running")).length;
  const wall0 = Date.now();
  const t0 = performance.now();
  await cli(false, "service", "create", ...detach, "--no-resolve-image", "--name", o.name, "--replicas", String(o.replicas), "--update-parallelism", "10",
    "--update-delay", "0s", "--update-monitor", "1s", "--update-failure-action", "pause", o.image, ...o.cmd);
  if (o.detach) await until(async () => (await runningTasks()) === o.replicas, 300_000, POLL_MS);
  const create = performance.now() - t0;
  if (!o.detach) await until(async () => (await engine.listTasks({ filters: { service: [o.name], "desired-state": ["running"] } }) as { Status?: { State?: string } }[])
    .filter((t) => t.Status?.State === "running").length === o.replicas);
  const createSettled = (await lastRunningAt(engine, o.name)) - wall0;
  const wall1 = Date.now();
  const t1 = performance.now();
  await cli(false, "service", "update", ...detach, "--no-resolve-image", "--image", o.image2, o.name);
  const status = async () => ((await engine.getService(o.name).inspect()) as { UpdateStatus?: { State?: string; CompletedAt?: string } }).UpdateStatus;
  if (o.detach) {
    await until(async () => {
      const state = (await cli(true, "service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", o.name)).trim();
      if (state === "paused") throw new Error(`${o.name}: update paused`);
      return state === "completed";
    }, 300_000, POLL_MS);
  }
  const update = performance.now() - t1;
  if (!o.detach) await until(async () => (await status())?.State === "completed");
  const updateSettled = Date.parse((await status())?.CompletedAt ?? "") - wall1;
  await cli(false, "service", "rm", o.name);
  return { create, update, createSettled, updateSettled, polls, pollMs: polls ? pollTotal / polls : 0 };
}
