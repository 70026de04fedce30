import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import Docker from "dockerode";
import { AckPolicy, jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { randomId } from "../../services/shared/eventlog/index.js";
import { DockerExecutor, start, CONTAINER_LABELS } from "../../services/agent/index.js";
import { NodeStatusMessage, STREAMS, subjects, type NodeTaskDoc, type RegisterRequest, type TaskSpec, type TaskStatusReport } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";
import { fakeDispatcher } from "../helpers/register.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Health checks, stop grace, limits, host ports and the node description refresh, against a real
 * nats-server and Docker Engine. The test plays the dispatcher (answers register, reads NODE_STATUS).
 */
const IMAGE = "jetswarm-test/busybox:1";
const S = 1_000_000_000;
const docker = new Docker();
const log = createLogger("test", process.env.TEST_LOG === "1" ? "debug" : "silent");
const nodeIds: string[] = [];

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let js: JetStreamClient;
const registrations: RegisterRequest[] = [];
/** Heartbeat period the fake dispatcher answers per node (default 200 ms). */
const periods = new Map<string, number>();
const reports = new Map<string, TaskStatusReport[]>();
const heartbeats = new Map<string, number>();

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "agent-health-test" });
  const jsm = await ensureStreams(nc);
  js = jetstream(nc);
  fakeDispatcher(nc, (req) => { registrations.push(req); return { heartbeatPeriodMs: periods.get(req.nodeId) ?? 200 }; });
  nc.subscribe(subjects.nodeHeartbeatAll, {
    callback: (_e, m) => {
      const s = NodeStatusMessage.parse(m.json());
      heartbeats.set(s.nodeId, (heartbeats.get(s.nodeId) ?? 0) + 1);
    },
  });
  await jsm.consumers.add(STREAMS.nodeStatus, { durable_name: "test-status", ack_policy: AckPolicy.Explicit, filter_subject: subjects.nodeStatusAll });
  const msgs = await (await js.consumers.get(STREAMS.nodeStatus, "test-status")).consume();
  void (async () => {
    for await (const m of msgs) {
      const s = NodeStatusMessage.parse(m.json());
      if (s.kind === "heartbeat") heartbeats.set(s.nodeId, (heartbeats.get(s.nodeId) ?? 0) + 1);
      else for (const u of s.updates) reports.set(u.taskId, [...(reports.get(u.taskId) ?? []), u]);
      m.ack();
    }
  })();
});

after(async () => {
  for (const id of nodeIds) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.nodeId}=${id}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  }
  await nc?.drain();
  await nats?.cleanup();
});

function newNode(): string {
  const id = randomId();
  nodeIds.push(id);
  return id;
}
function startAgent(nodeId: string, refreshMs?: number) {
  return start({
    nc, log, nodeId, executor: new DockerExecutor(docker, log), statusFlushMs: 50, healthPollMs: 250,
    ...(refreshMs ? { refreshMs } : {}),
  });
}
function doc(nodeId: string, spec: Partial<TaskSpec> & { container?: Partial<TaskSpec["ContainerSpec"]> } = {}, over: Partial<NodeTaskDoc> = {}): NodeTaskDoc {
  const { container, ...task } = spec;
  return {
    taskId: randomId(), serviceId: "svc1", serviceName: "hc", slot: 1, nodeId,
    spec: { ContainerSpec: { Image: IMAGE, Command: ["sleep", "3600"], StopGracePeriod: S, ...container }, ...task },
    desiredState: "running", version: 1, removed: false, ...over,
  };
}
async function publish(d: NodeTaskDoc): Promise<void> {
  await js.publish(subjects.nodeTask(d.nodeId, d.taskId), JSON.stringify(d));
}
const states = (taskId: string) => (reports.get(taskId) ?? []).map((r) => r.state);
async function reached(taskId: string, state: string, timeoutMs = 45_000): Promise<TaskStatusReport> {
  return (await eventually(() => (reports.get(taskId) ?? []).find((x) => x.state === state), { what: `${taskId} ${state}`, timeoutMs }))!;
}
async function withAgent(node: string, fn: () => Promise<void>, refreshMs?: number): Promise<void> {
  const agent = await startAgent(node, refreshMs);
  try { await fn(); } finally { await agent.stop(); }
}
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    }).on("error", reject);
  });
}

describe("agent: health checks", () => {
  it("a health check that passes after a few seconds: starting, then running once healthy (never before)", async () => {
    const node = newNode();
    const d = doc(node, { container: {
      Command: ["sh", "-c", "sleep 3; touch /tmp/ok; exec sleep 3600"],
      Healthcheck: { Test: ["CMD-SHELL", "test -f /tmp/ok"], Interval: S / 2, Timeout: S, Retries: 3, StartPeriod: 20 * S },
    } });
    await withAgent(node, async () => {
      await publish(d);
      const startingR = await reached(d.taskId, "starting");
      const { containerId } = await eventually(() => (reports.get(d.taskId) ?? []).find((r) => r.containerId), { what: "container id" }) as TaskStatusReport;
      const early = await docker.getContainer(containerId!).inspect();
      if (early.State.Health?.Status === "starting") assert.ok(!states(d.taskId).includes("running"), "not running while health is starting");
      const running = await reached(d.taskId, "running");
      assert.equal(running.message, "started");
      // One report per task per publish, its furthest state (swarmkit's statusReporter): the steps
      // seen are the ladder's, in order, each once, ending in running.
      assertLadder(states(d.taskId));
      const info = await docker.getContainer(containerId!).inspect();
      assert.equal(info.State.Health?.Status, "healthy");
      assert.deepEqual(info.Config.Healthcheck, { Test: ["CMD-SHELL", "test -f /tmp/ok"], Interval: S / 2, Timeout: S, Retries: 3, StartPeriod: 20 * S });
      const firstPass = (info.State.Health?.Log ?? []).find((l) => l.ExitCode === 0);
      assert.ok(firstPass, "a passing probe is in the health log");
      assert.ok(Date.parse(running.timestamp) >= Date.parse(firstPass.End), "running reported after the first passing probe");
      assert.ok(Date.parse(running.timestamp) - Date.parse(startingR.timestamp) >= 2500, "running waited for the check, not the start");
    });
  });

  it("a failing health check: never running; stopped and failed with Swarm's unhealthy error", async () => {
    const node = newNode();
    const d = doc(node, { container: { Healthcheck: { Test: ["CMD", "false"], Interval: S / 4, Timeout: S, Retries: 2 } } });
    await withAgent(node, async () => {
      await publish(d);
      const failed = await reached(d.taskId, "failed");
      assert.match(failed.err ?? "", /^task: non-zero exit \((\d+)\): dockerexec: unhealthy container$/);
      assert.ok(!states(d.taskId).includes("running"), `never running: ${states(d.taskId).join(",")}`);
      const info = await docker.getContainer(failed.containerId!).inspect();
      assert.equal(info.State.Running, false, "the unhealthy container was stopped");
      assert.equal(failed.exitCode, info.State.ExitCode, "the real exit code is reported");
      assert.equal(failed.err, `task: non-zero exit (${info.State.ExitCode}): dockerexec: unhealthy container`);
    });
  });

  it("Healthcheck Test [\"NONE\"] disables a health check: running at once", async () => {
    const node = newNode();
    const d = doc(node, { container: { Healthcheck: { Test: ["NONE"] } } });
    await withAgent(node, async () => {
      await publish(d);
      const running = await reached(d.taskId, "running");
      const info = await docker.getContainer(running.containerId!).inspect();
      assert.equal(info.State.Health, undefined);
    });
  });
});

describe("agent: stop grace, limits, host ports", () => {
  it("StopGracePeriod 1 s with a process ignoring SIGTERM: killed after the grace, shutdown within seconds", async () => {
    const node = newNode();
    // PID 1 ignores SIGTERM unless it handles it: `sleep` as PID 1 does not.
    const d = doc(node, { container: { Command: ["sleep", "3600"], StopGracePeriod: S } });
    await withAgent(node, async () => {
      await publish(d);
      await reached(d.taskId, "running");
      const t0 = Date.now();
      await publish({ ...d, desiredState: "shutdown", version: 2 });
      const shut = await reached(d.taskId, "shutdown", 20_000);
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 900, `waited for the grace period (${elapsed} ms)`);
      assert.ok(elapsed < 8000, `did not wait the default 10 s (${elapsed} ms)`);
      const info = await docker.getContainer(shut.containerId!).inspect();
      assert.equal(info.State.ExitCode, 137, "SIGKILLed after the grace period");
      assert.equal((info.Config as { StopTimeout?: number }).StopTimeout, 1);
    });
  });

  it("Limits are visible in docker inspect (NanoCpus, Memory, PidsLimit)", async () => {
    const node = newNode();
    const d = doc(node, { Resources: { Limits: { NanoCPUs: S / 2, MemoryBytes: 64 * 1024 * 1024, Pids: 50 }, Reservations: { NanoCPUs: S / 10 } } });
    await withAgent(node, async () => {
      await publish(d);
      const running = await reached(d.taskId, "running");
      const hc = (await docker.getContainer(running.containerId!).inspect()).HostConfig;
      assert.deepEqual([hc.NanoCpus, hc.Memory, hc.PidsLimit], [S / 2, 64 * 1024 * 1024, 50]);
    });
  });

  it("host-mode ports are bound (fixed and engine-picked) and reported with the running status", async () => {
    const node = newNode();
    const fixed = await freePort();
    const d = doc(node, {}, { endpoint: { Ports: [
      { TargetPort: 80, PublishedPort: fixed, PublishMode: "host" },
      { TargetPort: 81, PublishMode: "host" },
    ] } });
    await withAgent(node, async () => {
      await publish(d);
      const running = await reached(d.taskId, "running");
      const ports = [...(running.ports ?? [])].sort((a, b) => a.TargetPort - b.TargetPort);
      assert.equal(ports.length, 2, JSON.stringify(running.ports));
      assert.deepEqual(ports[0], { Protocol: "tcp", TargetPort: 80, PublishedPort: fixed, PublishMode: "host" });
      assert.ok(ports[1]!.PublishedPort! > 0 && ports[1]!.TargetPort === 81, "engine picked a port for 81");
      const bound = (await docker.getContainer(running.containerId!).inspect()).NetworkSettings.Ports;
      assert.equal(bound["80/tcp"]?.[0]?.HostPort, String(fixed));
      assert.equal(bound["81/tcp"]?.[0]?.HostPort, String(ports[1]!.PublishedPort));
    });
  });
});

describe("agent: node description and heartbeat period", () => {
  it("reports the engine's images; re-registers periodically and picks up a changed heartbeat period", async () => {
    const node = newNode();
    periods.set(node, 60_000);
    await withAgent(node, async () => {
      const first = registrations.find((r) => r.nodeId === node)!;
      assert.ok(first.description.images?.includes(IMAGE), "images present on the engine are described");
      assert.equal(heartbeats.get(node) ?? 0, 0);
      periods.set(node, 100);
      await eventually(() => registrations.filter((r) => r.nodeId === node).length >= 2, { what: "a re-registration", timeoutMs: 15_000 });
      await eventually(() => (heartbeats.get(node) ?? 0) >= 3, { what: "heartbeats at the new period", timeoutMs: 15_000 });
      const again = registrations.filter((r) => r.nodeId === node);
      assert.equal(again.at(-1)!.sessionId, first.sessionId, "a refresh keeps the session");
    }, 500);
  });
});

const LADDER = ["accepted", "preparing", "ready", "starting", "running"];
function assertLadder(seen: string[]): void {
  const ranks = seen.map((s) => LADDER.indexOf(s));
  assert.ok(ranks.every((r, i) => r >= 0 && (i === 0 || r > ranks[i - 1]!)), `steps in ladder order, once each: ${seen.join(",")}`);
  assert.equal(seen.at(-1), "running");
}
