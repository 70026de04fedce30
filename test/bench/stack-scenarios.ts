/*
 * The jetswarm runs of bench:stack (issue #18): the stack itself through the CLI, and the same
 * TASKS containers shaped otherwise through the api, so that the figures say where time goes — one
 * service on a network, the stack's services on a network without the CLI, the stack's services
 * without a network, one service without a network (bench:swarm's case). Every object carries the
 * run's namespace label, so `swarm stack rm` removes each run alike.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Docker from "dockerode";
import { requestApi } from "../../cli/http-request.js";
import { taskSteps, watchRunning, type Tasks, type Timeline } from "./stack-timeline.js";
import { until } from "./engine-bench.js";

const exec = promisify(execFile);
const docker = new Docker();
const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));
export const IMAGE = "jetswarm-test/busybox:1";
export const CMD = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];
const NS = "com.docker.stack.namespace";

export interface Shape { services: number; replicas: number }
export interface Scenario {
  key: string;
  title: string;
  /** Services and replicas of each: always TASKS tasks in all. */
  shape: Shape;
  /** Starts the deploy of run `name`; resolves when the deploy call returns. */
  deploy(name: string): Promise<void>;
}

export interface JetswarmTarget {
  socketUrl: string;
  nodeId: string;
  /** Writes the stack's compose file with its default network on `subnet`; its path. */
  composeFile(subnet: string): string;
}

/**
 * A subnet of each run's own. Docker refuses a bridge network whose subnet overlaps another on the
 * engine, and every cluster's pool starts at 10.0.0.0/24 (ingress), 10.0.1.0/24, …: another
 * cluster running on this engine, or a network Docker cannot remove ("has active endpoints" with
 * none attached, left by an earlier run), would hold the stack's. 10.200-249.x/24 at random.
 */
export const ownSubnet = () => `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}.0/24`;

async function call<T>(socketUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await requestApi(socketUrl, path, {
    method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const swarm = (t: JetswarmTarget, ...args: string[]) => exec(process.execPath, [CLI, "--host", t.socketUrl, ...args]);

/** Services created one after another through the api, as the CLI does, on a network of the run's or none. */
function viaApi(t: JetswarmTarget, shape: Shape, withNetwork: boolean): (name: string) => Promise<void> {
  return async (name) => {
    const Labels = { [NS]: name };
    const body = { Name: `${name}_default`, Driver: "overlay", Labels, IPAM: { Config: [{ Subnet: ownSubnet() }] } };
    const net = withNetwork ? (await call<{ Id: string }>(t.socketUrl, "POST", "/networks/create", body)).Id : undefined;
    for (let i = 0; i < shape.services; i++) {
      await call(t.socketUrl, "POST", "/services/create", {
        Name: `${name}_s${i}`, Labels, Mode: { Replicated: { Replicas: shape.replicas } },
        TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: CMD }, ...(net ? { Networks: [{ Target: net }] } : {}) },
      });
    }
  };
}

export function scenarios(t: JetswarmTarget, stack: Shape): Scenario[] {
  const tasks = stack.services * stack.replicas;
  const one: Shape = { services: 1, replicas: tasks };
  return [
    { key: "stack", title: `swarm stack deploy ${stack.services}×${stack.replicas}, overlay`, shape: stack,
      deploy: async (name) => { await swarm(t, "stack", "deploy", "-c", t.composeFile(ownSubnet()), name); } },
    { key: "api-net", title: `api: ${stack.services}×${stack.replicas} on an overlay`, shape: stack, deploy: viaApi(t, stack, true) },
    { key: "api-net1", title: `api: 1×${tasks} on an overlay`, shape: one, deploy: viaApi(t, one, true) },
    { key: "api-plain", title: `api: ${stack.services}×${stack.replicas}, no network`, shape: stack, deploy: viaApi(t, stack, false) },
    { key: "api-plain1", title: `api: 1×${tasks}, no network`, shape: one, deploy: viaApi(t, one, false) },
  ];
}

/** The running tasks of run `name`'s services (none until every service exists). */
async function runTasks(t: JetswarmTarget, name: string, services: number): Promise<Tasks> {
  const f = (x: object) => encodeURIComponent(JSON.stringify(x));
  const svcs = await call<{ ID: string }[]>(t.socketUrl, "GET", `/services?filters=${f({ label: [`${NS}=${name}`] })}`);
  if (svcs.length < services) return [];
  return call<Tasks>(t.socketUrl, "GET", `/tasks?filters=${f({ service: svcs.map((s) => s.ID), "desired-state": ["running"] })}`);
}

/** One run: deploy → every task running (with its timeline), then `stack rm` and wait until its containers are gone. */
export async function runScenario(t: JetswarmTarget, s: Scenario, name: string): Promise<{ ms: number; timeline: Timeline }> {
  const total = s.shape.services * s.shape.replicas;
  const t0Epoch = Date.now();
  const t0 = performance.now();
  let failure: unknown;
  const deployed = s.deploy(name).then(() => performance.now() - t0, (err: unknown) => { failure = err; return NaN; });
  const marks = await watchRunning(async () => {
    if (failure) throw failure;
    return runTasks(t, name, s.shape.services);
  }, total, t0);
  const returned = await deployed;
  const ids = new Set((await runTasks(t, name, s.shape.services)).map((x) => x.ID));
  const steps = await taskSteps(t.socketUrl, ids, t0Epoch);
  await swarm(t, "stack", "rm", name);
  await until(async () => (await docker.listContainers({ all: true, filters: { label: [`jetswarm.node.id=${t.nodeId}`] } }))
    .filter((c) => c.Labels["jetswarm.service.name"]?.startsWith(`${name}_`)).length === 0);
  return { ms: marks[marks.length - 1]!, timeline: { returned, marks, steps } };
}
