import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";

/*
 * `swarm leave [--force]` (Swarm's behaviour, reference §10): the node's foreground launcher
 * (`swarm up` or `swarm join`, whose pid is in `<dataDir>/swarm.pid`) is stopped — its agent and,
 * on a manager, its control plane —, the containers of the node's tasks are removed with their
 * secret mounts, and the node's swarm state is erased from the data dir, so it can join again. In
 * the cluster the node stops heartbeating: it is `Down` (its tasks are replaced elsewhere) until
 * `swarm node rm`. A manager refuses without `--force`, with Swarm's words.
 */

const run = promisify(execFile);

export const PID_FILE = "swarm.pid";

export const LEAVE_MESSAGES = {
  manager: "You are attempting to leave the swarm on a node that is participating as a manager. Removing the last manager erases all " +
    "current state of the swarm. Use `--force` to ignore this message.",
  notInSwarm: "This node is not part of a swarm",
  left: "Node left the swarm.",
} as const;

/** The node's swarm state in its data dir (logs are kept): identity, keys, the embedded log, the agent's files. */
const STATE = ["node.json", "node", "keys", "nats", "agent", "api.sock"] as const;
/** The label the agent puts on every container of its node (services/agent/core/container-config.ts). */
const NODE_LABEL = "jetswarm.node.id";

/** Written by the foreground launcher once it runs; removed when it stops. */
export function writePidFile(dataDir: string): () => void {
  const file = join(dataDir, PID_FILE);
  writeFileSync(file, `${process.pid}\n`);
  return () => rmSync(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the launcher (it stops its processes in order), then waits until it has stopped them (its pid file gone) or exited. */
async function stopLauncher(dataDir: string, timeoutMs: number): Promise<void> {
  const file = join(dataDir, PID_FILE);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || !alive(pid)) return;
  process.kill(pid, "SIGTERM");
  for (const deadline = Date.now() + timeoutMs; alive(pid) && existsSync(file);) {
    if (Date.now() > deadline) throw new Error(`the swarm process ${pid} of ${dataDir} did not stop within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The secret and config mounts the agent left under its dir (a stopped agent keeps them for adoption). */
async function unmountUnder(dir: string): Promise<void> {
  const points = readFileSync("/proc/mounts", "utf8").split("\n").map((l) => l.split(" ")[1] ?? "").filter((m) => m.startsWith(`${dir}/`));
  for (const m of points.reverse()) await run("umount", ["-l", m]).catch(() => undefined);
}

export interface LeaveResult { nodeId: string; role: string; removedContainers: number }

/** Leaves: refuses a manager without `force`; throws naming what is wrong, having changed nothing. */
export async function leaveSwarm(dataDir: string, opts: { force?: boolean; docker?: Docker; timeoutMs?: number } = {}): Promise<LeaveResult> {
  const file = join(dataDir, "node.json");
  if (!existsSync(file)) throw new Error(LEAVE_MESSAGES.notInSwarm);
  const node = JSON.parse(readFileSync(file, "utf8")) as { nodeId: string; role?: string };
  // `swarm up`'s node.json has no role: that node is the cluster's first manager.
  const role = node.role ?? "manager";
  if (role === "manager" && !opts.force) throw new Error(LEAVE_MESSAGES.manager);
  await stopLauncher(dataDir, opts.timeoutMs ?? 60_000);
  const docker = opts.docker ?? new Docker();
  const containers = await docker.listContainers({ all: true, filters: { label: [`${NODE_LABEL}=${node.nodeId}`] } });
  for (const c of containers) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  await unmountUnder(join(dataDir, "agent"));
  for (const s of STATE) rmSync(join(dataDir, s), { recursive: true, force: true });
  return { nodeId: node.nodeId, role, removedContainers: containers.length };
}
