import Docker from "dockerode";

/* What the benches against the Docker engine share (bench:swarm, bench:secrets). */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Polls `cond` until it holds; throws after `timeoutMs`. */
export async function until(cond: () => Promise<boolean>, timeoutMs = 300_000, pollMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("benchmark step timed out");
    await sleep(pollMs);
  }
}

/** The engine's swarm state (`active`, `inactive`, …): a bench puts it in swarm mode only if it is not. */
export async function swarmState(docker: Docker): Promise<string> {
  return ((await docker.info()) as { Swarm?: { LocalNodeState?: string } }).Swarm?.LocalNodeState ?? "inactive";
}
