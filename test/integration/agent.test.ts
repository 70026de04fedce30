import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Docker from "dockerode";
import { AckPolicy, jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { randomId } from "../../services/shared/eventlog/index.js";
import { DockerExecutor, start, CONTAINER_LABELS } from "../../services/agent/index.js";
import { NodeStatusMessage, STREAMS, subjects, type NodeTaskDoc, type RegisterRequest, type TaskStatusReport, type ContainerSpec } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";
import { fakeDispatcher } from "../helpers/register.js";
import { eventually } from "../helpers/eventually.js";

const IMAGE = "jetswarm-test/busybox:1";
const docker = new Docker();
const log = createLogger("test", "silent");
const nodeIds: string[] = [];

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let js: JetStreamClient;
const registrations: RegisterRequest[] = [];
const reports = new Map<string, TaskStatusReport[]>();
const heartbeats = new Map<string, number>();

/** The test plays the dispatcher: answers register, reads NODE_STATUS. */
before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "agent-test" });
  const jsm = await ensureStreams(nc);
  js = jetstream(nc);
  fakeDispatcher(nc, (req) => { registrations.push(req); return { heartbeatPeriodMs: 200 }; });
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
function startAgent(nodeId: string) {
  return start({ nc, log, nodeId, executor: new DockerExecutor(docker, log), statusFlushMs: 50 });
}
function doc(nodeId: string, over: Partial<NodeTaskDoc> & { container?: Partial<ContainerSpec> } = {}): NodeTaskDoc {
  const { container, ...rest } = over;
  return {
    taskId: randomId(), serviceId: "svc1", serviceName: "web", slot: 1, nodeId,
    spec: { ContainerSpec: { Image: IMAGE, Command: ["sleep", "3600"], StopGracePeriod: 1_000_000_000, ...container } },
    desiredState: "running", version: 1, removed: false, ...rest,
  };
}
async function publish(d: NodeTaskDoc): Promise<void> {
  await js.publish(subjects.nodeTask(d.nodeId, d.taskId), JSON.stringify(d));
}
function states(taskId: string): string[] {
  return (reports.get(taskId) ?? []).map((r) => r.state);
}
function last(taskId: string): TaskStatusReport | undefined {
  return reports.get(taskId)?.at(-1);
}
async function reached(taskId: string, state: string): Promise<TaskStatusReport> {
  const r = await eventually(() => (reports.get(taskId) ?? []).find((x) => x.state === state), { what: `${taskId} ${state}`, timeoutMs: 30_000 });
  return r!;
}
async function containersOf(nodeId: string) {
  return docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.nodeId}=${nodeId}`] } });
}

describe("agent", () => {
  it("registers, heartbeats, runs a task and reports accepted … running", async () => {
    const node = newNode();
    const d = doc(node, { slot: 3 });
    await publish(d);
    const agent = await startAgent(node);
    try {
      const running = await reached(d.taskId, "running");
      // One report per task per publish, its furthest state (swarmkit's statusReporter): the steps
      // seen are the ladder's, in order, each once, ending in running.
      assertLadder(states(d.taskId));
      assert.equal(running.message, "started");
      const info = await docker.getContainer(running.containerId!).inspect();
      assert.equal(info.State.Running, true);
      assert.equal(info.Name, `/web.3.${d.taskId}`);
      assert.equal(info.Config.Labels[CONTAINER_LABELS.taskId], d.taskId);
      assert.equal(info.Config.Labels[CONTAINER_LABELS.slot], "3");
      assert.equal(info.HostConfig.RestartPolicy?.Name, "no");
      const reg = registrations.find((r) => r.nodeId === node);
      assert.ok(reg && reg.description.nanoCpus > 0 && reg.description.engineVersion, "registered with a node description");
      await eventually(() => (heartbeats.get(node) ?? 0) >= 2, { what: "heartbeats" });
    } finally {
      await agent.stop();
    }
  });

  it("desired shutdown stops the container and reports shutdown; tombstone removes it", async () => {
    const node = newNode();
    const agent = await startAgent(node);
    try {
      const d = doc(node);
      await publish(d);
      const { containerId } = await reached(d.taskId, "running");
      await publish({ ...d, desiredState: "shutdown", version: 2 });
      const down = await reached(d.taskId, "shutdown");
      assert.equal(down.message, "shutdown");
      assert.equal((await docker.getContainer(containerId!).inspect()).State.Running, false);
      await publish({ ...d, desiredState: "shutdown", version: 3, removed: true });
      await eventually(async () => (await containersOf(node)).length === 0, { what: "container removed" });
      assert.deepEqual(states(d.taskId).filter((s) => s === "shutdown"), ["shutdown"], "shutdown reported once");
    } finally {
      await agent.stop();
    }
  });

  it("a stale doc (version not newer) is ignored", async () => {
    const node = newNode();
    const agent = await startAgent(node);
    try {
      const d = doc(node, { version: 5 });
      await publish(d);
      await reached(d.taskId, "running");
      await publish({ ...d, desiredState: "shutdown", version: 4 });
      const probe = doc(node);
      await publish(probe);
      await reached(probe.taskId, "running");
      assert.equal(last(d.taskId)?.state, "running");
    } finally {
      await agent.stop();
    }
  });

  it("a missing image is rejected with Docker's message", async () => {
    const node = newNode();
    const agent = await startAgent(node);
    try {
      const d = doc(node, { container: { Image: "jetswarm-test/no-such-image:9" } });
      await publish(d);
      const r = await reached(d.taskId, "rejected");
      assert.match(r.err ?? "", /No such image: jetswarm-test\/no-such-image:9/);
      assert.equal((await containersOf(node)).length, 0);
    } finally {
      await agent.stop();
    }
  });

  it("a non-zero exit fails the task with the exit code; exit 0 completes it", async () => {
    const node = newNode();
    const agent = await startAgent(node);
    try {
      const bad = doc(node, { container: { Command: ["sh", "-c", "exit 3"] } });
      const good = doc(node, { slot: 2, container: { Command: ["true"] } });
      await publish(bad);
      await publish(good);
      const f = await reached(bad.taskId, "failed");
      assert.deepEqual([f.err, f.exitCode], ["task: non-zero exit (3)", 3]);
      const c = await reached(good.taskId, "complete");
      assert.deepEqual([c.message, c.exitCode], ["finished", 0]);
    } finally {
      await agent.stop();
    }
  });

  it("a container that exits before the engine hears the exit watch still ends its task", async () => {
    // The wait request reaches the engine late (a loaded engine or socket pool): the exit has
    // already happened by then. A watch for the *next* exit would wait forever.
    class LateWait extends DockerExecutor {
      override async wait(containerId: string, signal: AbortSignal): Promise<number> {
        await new Promise((r) => setTimeout(r, 1500));
        return super.wait(containerId, signal);
      }
    }
    const node = newNode();
    const agent = await start({ nc, log, nodeId: node, executor: new LateWait(docker, log), statusFlushMs: 50 });
    try {
      const bad = doc(node, { container: { Command: ["sh", "-c", "exit 7"] } });
      await publish(bad);
      const f = await eventually(() => (reports.get(bad.taskId) ?? []).find((x) => x.state === "failed"), { what: "failed", timeoutMs: 30_000 });
      assert.deepEqual([f!.err, f!.exitCode], ["task: non-zero exit (7)", 7]);
    } finally {
      await agent.stop();
    }
  });

  it("a restarted agent adopts its running container (same id, not restarted) and removes strays", async () => {
    const node = newNode();
    const d = doc(node);
    await publish(d);
    const first = await startAgent(node);
    const { containerId } = await reached(d.taskId, "running");
    await first.stop();
    const startedAt = (await docker.getContainer(containerId!).inspect()).State.StartedAt;
    const stray = await docker.createContainer({
      Image: IMAGE, Entrypoint: ["sleep", "3600"], name: `stray-${node}`,
      Labels: { [CONTAINER_LABELS.nodeId]: node, [CONTAINER_LABELS.taskId]: "ghost" },
    });
    const before = reports.get(d.taskId)!.length;
    const second = await startAgent(node);
    try {
      await eventually(() => reports.get(d.taskId)!.length > before, { what: "state re-reported" });
      assert.deepEqual([last(d.taskId)?.state, last(d.taskId)?.containerId], ["running", containerId]);
      await eventually(async () => (await containersOf(node)).length === 1, { what: "stray removed" });
      const cs = await containersOf(node);
      assert.equal(cs[0]!.Id, containerId);
      const info = await docker.getContainer(containerId!).inspect();
      assert.deepEqual([info.State.Running, info.State.StartedAt], [true, startedAt], "not restarted");
      await assert.rejects(docker.getContainer(stray.id).inspect());
      // The adopted container is watched: its exit is reported.
      await docker.getContainer(containerId!).kill({ signal: "SIGKILL" });
      const f = await reached(d.taskId, "failed");
      assert.equal(f.exitCode, 137);
    } finally {
      await second.stop();
    }
  });

  it("agents of different nodes on one engine leave each other's containers alone", async () => {
    const a = newNode();
    const b = newNode();
    const da = doc(a);
    await publish(da);
    const agentA = await startAgent(a);
    try {
      const { containerId } = await reached(da.taskId, "running");
      const db = doc(b, { removed: false });
      await publish(db);
      const agentB = await startAgent(b);
      try {
        await reached(db.taskId, "running");
        await publish({ ...db, desiredState: "remove", version: 2 });
        await eventually(async () => (await containersOf(b)).length === 0, { what: "b's container removed" });
        const ia = await docker.getContainer(containerId!).inspect();
        assert.equal(ia.State.Running, true);
        assert.equal((await containersOf(a)).length, 1);
      } finally {
        await agentB.stop();
      }
    } finally {
      await agentA.stop();
    }
  });
});

const LADDER = ["accepted", "preparing", "ready", "starting", "running"];
function assertLadder(seen: string[]): void {
  const ranks = seen.map((s) => LADDER.indexOf(s));
  assert.ok(ranks.every((r, i) => r >= 0 && (i === 0 || r > ranks[i - 1]!)), `steps in ladder order, once each: ${seen.join(",")}`);
  assert.equal(seen.at(-1), "running");
}
