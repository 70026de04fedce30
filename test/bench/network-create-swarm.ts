import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Docker from "dockerode";
import { until, sleep } from "./engine-bench.js";
import { measureRound, portAnswers, type Round } from "./network-create-probes.js";

/*
 * Docker Swarm's side of bench:network-create, on the shared engine in single-node swarm mode
 * (the caller holds /work/wt/swarm-mode.lock and leaves swarm mode): an attachable overlay, a
 * client container on it, and per round `docker service create --network … --endpoint-mode dnsrr
 * --publish mode=host,…` (Swarm refuses ingress publishing in dnsrr mode, and its VIP and ingress
 * mesh need IPVS, which this kernel lacks: `vipAttempt` shows what happens).
 */

const exec = promisify(execFile);
const docker = new Docker();
const IMAGE = "jetswarm-test/busybox:1";
const NET = "bench-swnet";
const CLIENT = "bench-swclient";

async function taskStates(name: string): Promise<string[]> {
  const tasks = (await docker.listTasks({ filters: { service: [name] } })) as { Status?: { State?: string } }[];
  return tasks.map((t) => t.Status?.State ?? "");
}

/**
 * Swarm mode, the network, and the client: a task of a service, as jetswarm's (a plain container
 * on the fresh attachable network failed here with "attaching to network failed … context deadline
 * exceeded"). Resolves with the client's container id.
 */
export async function swarmSetup(): Promise<string> {
  // Its pools away from jetswarm's (10.0.x): the engine's networks of jetswarm clusters (this
  // bench's, other runs') would clash with Swarm's default 10.0.0.0/24 ingress and 10.0.1.0/24.
  await exec("docker", ["swarm", "init", "--advertise-addr", "127.0.0.1", "--default-addr-pool", "10.240.0.0/16"]);
  await exec("docker", ["network", "create", "-d", "overlay", "--attachable", "--subnet", `10.241.${Math.floor(Math.random() * 250)}.0/24`, NET]);
  await exec("docker", ["service", "create", "--detach", "--name", CLIENT, "--network", NET, IMAGE, "sleep", "3600"]);
  let id: string | undefined;
  await until(async () => {
    id = (await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${CLIENT}`], status: ["running"] } }))[0]?.Id;
    return id !== undefined;
  }, 180_000).catch(async (err: unknown) => {
    const ps = await exec("docker", ["service", "ps", "--no-trunc", "--format", "{{.CurrentState}} {{.Error}}", CLIENT]).then((r) => r.stdout, () => "");
    throw new Error(`Swarm's client task did not run: ${ps.trim()}`, { cause: err });
  });
  return id!;
}

export async function swarmTeardown(): Promise<void> {
  await removeService(CLIENT).catch(() => undefined);
  await exec("docker", ["swarm", "leave", "--force"]).catch(() => undefined);
  await exec("docker", ["network", "rm", NET]).catch(() => undefined);
}

async function removeService(name: string): Promise<void> {
  await exec("docker", ["service", "rm", name]).catch(() => undefined);
  await until(async () => (await docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.name=${name}`] } })).length === 0, 60_000);
}

export function swarmRound(client: string, i: number, port: number): Promise<Round> {
  const name = `bench-sw${i}`;
  return measureRound(client, name, port, {
    create: () => exec("docker", ["service", "create", "--detach", "--name", name, "--network", NET, "--endpoint-mode", "dnsrr",
      "--publish", `mode=host,published=${port},target=80`, IMAGE, "httpd", "-f", "-p", "80"]),
    states: () => taskStates(name),
    remove: () => removeService(name),
  });
}

/** One try of a VIP service with an ingress-published port: what Swarm does without IPVS. */
export async function vipAttempt(client: string, port: number): Promise<string> {
  const name = "bench-swvip";
  await exec("docker", ["service", "create", "--detach", "--name", name, "--network", NET, "--publish", `${port}:80`, IMAGE, "httpd", "-f", "-p", "80"]);
  try {
    await sleep(15_000);
    const tasks = (await docker.listTasks({ filters: { service: [name] } })) as { Status?: { State?: string; Err?: string } }[];
    const states = tasks.map((t) => `${t.Status?.State}${t.Status?.Err ? ` (${t.Status.Err})` : ""}`).join("; ");
    const resolved = await exec("docker", ["exec", client, "nslookup", name]).then((r) => /Address:\s+\d+\.\d+\.\d+\.\d+$/m.test(r.stdout.split("\n").slice(2).join("\n")), () => false);
    const answered = await portAnswers(port, 3_000).then(() => true, () => false);
    return `tasks after 15 s: ${states || "none"}; ${name} resolves: ${resolved}; 127.0.0.1:${port} answers: ${answered}`;
  } finally {
    await removeService(name);
  }
}
