import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Docker from "dockerode";
import { portAnswers } from "./network-create-probes.js";

/*
 * The engine's floor for bench:network-create: the same image and command straight to the engine,
 * on a user bridge network with the port published by the engine, to the port answering — what
 * any orchestrator on this engine pays at least. Two ways: the docker CLI's `docker run -d
 * --network <bridge> -p P:80` (its process start included, as Swarm's `docker service create` is),
 * and the Engine API's create + start without a CLI (as jetswarm's agent calls it). Both before
 * Swarm's half: no swarm mode involved.
 */

const exec = promisify(execFile);
const docker = new Docker();
const IMAGE = "jetswarm-test/busybox:1";
const NET = "bench-rawnet";

export interface FloorRounds {
  /** ms from `docker run -d` to the port answering, per round. */
  cli: number[];
  /** ms from the API's create to the port answering, per round. */
  api: number[];
}

/** `docker run -d …` and the probe at once: the port answers after run has returned. */
async function cliRound(name: string, port: number): Promise<number> {
  const t0 = performance.now();
  const [, at] = await Promise.all([
    exec("docker", ["run", "-d", "--name", name, "--network", NET, "-p", `${port}:80`, IMAGE, "httpd", "-f", "-p", "80"]),
    portAnswers(port, 60_000),
  ]);
  return at - t0;
}

async function apiRound(name: string, port: number): Promise<number> {
  const t0 = performance.now();
  const probe = portAnswers(port, 60_000);
  const c = await docker.createContainer({
    name, Image: IMAGE, Cmd: ["httpd", "-f", "-p", "80"], ExposedPorts: { "80/tcp": {} },
    HostConfig: { NetworkMode: NET, PortBindings: { "80/tcp": [{ HostPort: String(port) }] } },
  });
  await c.start();
  return (await probe) - t0;
}

/** `runs` rounds of each way, on ports `ports[i]` (CLI) and `ports[i] + 50` (API). */
export async function floorRounds(runs: number, ports: number[]): Promise<FloorRounds> {
  const out: FloorRounds = { cli: [], api: [] };
  await exec("docker", ["network", "rm", NET]).catch(() => undefined); // left by an interrupted run
  await exec("docker", ["network", "create", NET]);
  try {
    for (let i = 0; i < runs; i++) {
      for (const [way, round, port] of [["cli", cliRound, ports[i]!], ["api", apiRound, ports[i]! + 50]] as const) {
        const name = `bench-raw-${way}${i}`;
        try {
          out[way].push(await round(name, port));
        } finally {
          await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
        }
      }
      process.stderr.write(`engine floor round ${i + 1}/${runs}: docker run ${out.cli[i]!.toFixed(0)} ms, API create+start ${out.api[i]!.toFixed(0)} ms\n`);
    }
    return out;
  } finally {
    await exec("docker", ["network", "rm", NET]).catch(() => undefined);
  }
}
