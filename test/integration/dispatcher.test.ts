import { after, before, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import assert from "node:assert/strict";
import { jetstream, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { type NatsConnection } from "../../services/shared/nats/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { membersOf, versionOf } from "../../services/shared/model/index.js";
import {
  NodeTaskDoc, STREAMS, nodeTasksStreamOf, subjects,
     type NodeStatusMessage, type TaskState } from "../../schemas/index.js";
import { start } from "../../services/dispatcher/index.js";
import { testNats } from "../helpers/nats.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { registerNode, type Registration } from "../helpers/register.js";
import { eventually } from "../helpers/eventually.js";
import { eventsAfter, taskEventsOf } from "../helpers/task-events.js";
import { emitter, type Emit } from "../helpers/emit.js";

const PERIOD = 200;
const description = { hostname: "h1", os: "linux", architecture: "x86_64", nanoCpus: 2e9, memoryBytes: 4e9, engineVersion: "28.2.2", engineLabels: {} };
let nats: Awaited<ReturnType<typeof testNats>>;
let fx: LogFixture | undefined;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let store: JetStreamEventStore;
let view: Informer;
let dispatcher: { stop(): Promise<void> } | undefined;

/** Appends one event as its producer would, expecting the aggregate's current version. */
let emitOnce: Emit | undefined;
const emit: Emit = (type, kind, id, data) => (emitOnce ??= emitter(store, view))(type, kind, id, data);
const startDispatcher = (instanceId = "dispatcher-test") => start({ nc, store, log: createLogger("test", "silent"), instanceId }, { livenessIntervalMs: 20, nakDelayMs: 100 });
async function register(nodeId: string): Promise<Registration> {
  return registerNode(nc, { nodeId, sessionId: `s-${nodeId}`, description, addr: "10.0.0.1" });
}
async function send(msg: NodeStatusMessage): Promise<void> {
  await js.publish(subjects.nodeStatus(msg.nodeId), JSON.stringify(msg));
}
const heartbeat = async (nodeId: string) => {
  nc.publish(subjects.nodeHeartbeat(nodeId), JSON.stringify({ kind: "heartbeat", nodeId, sessionId: `s-${nodeId}`, at: new Date().toISOString() }));
  await nc.flush();
};
const report = (nodeId: string, taskId: string, state: TaskState, extra: object = {}) =>
  send({ kind: "tasks", nodeId, sessionId: `s-${nodeId}`, updates: [{ taskId, state, message: state, timestamp: new Date().toISOString(), ...extra }] });
const node = (id: string) => view.state.nodes.get(id);
const task = (id: string) => view.state.tasks.get(id);
async function doc(nodeId: string, taskId: string): Promise<NodeTaskDoc | undefined> {
  const m = await jsm.streams.getMessage(nodeTasksStreamOf(nodeId), { last_by_subj: subjects.nodeTask(nodeId, taskId) }).catch(() => null);
  return m ? NodeTaskDoc.parse(m.json()) : undefined;
}
/** The node's doc for the task once it satisfies `ok`. */
function docWhere(nodeId: string, taskId: string, ok: (d: NodeTaskDoc) => boolean, what: string): Promise<NodeTaskDoc> {
  return eventually(async () => {
    const d = await doc(nodeId, taskId);
    if (!d || !ok(d)) throw new Error(`doc is ${JSON.stringify(d)}`);
    return d;
  }, { what, timeoutMs: 30_000 });
}
async function createAssigned(taskId: string, nodeId: string): Promise<void> {
  await emit("TaskCreated", "task", taskId, {
    taskId, serviceId: "svc1", serviceName: "web", slot: 1, spec: { ContainerSpec: { Image: "img" } },
    specVersion: 1, desiredState: "running", state: "pending" });
  await emit("TaskAssigned", "task", taskId, { taskId, nodeId });
}

before(async () => {
  fx = await logFixture("dispatcher-test");
  ({ nats, nc, jsm, store, view } = fx);
  js = jetstream(nc);
  await emit("ClusterInitialized", "cluster", "default", { clusterId: "c1", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: PERIOD, taskHistoryLimit: 5 });
  for (const id of ["n1", "n2"]) await emit("NodeJoined", "node", id, { nodeId: id, name: id, role: "worker", availability: "active" });
  dispatcher = await startDispatcher();
});
after(async () => {
  await dispatcher?.stop();
  await fx?.stop();
});

describe("dispatcher: sessions", () => {
  it("refuses a node that is not part of the swarm", async () => {
    assert.deepEqual(await register("stranger"), { ok: false, error: "node stranger is not part of this swarm" });
    assert.equal(node("stranger"), undefined);
  });

  it("on a node's own subject, a body for another node is refused; its own is accepted", async () => {
    const req = (nodeId: string) => ({ nodeId, sessionId: `s-${nodeId}`, description, addr: "10.0.0.1" });
    assert.deepEqual(await registerNode(nc, req("n1"), subjects.dispatcherRegisterOf("n2")), { ok: false, error: "node n2 cannot register node n1" });
    assert.deepEqual(await registerNode(nc, req("n1"), subjects.dispatcherRegisterOf("n1")), { ok: true, heartbeatPeriodMs: PERIOD });
  });

  it("registers a joined node: description recorded, ready, period in the reply", async () => {
    const r = await register("n1");
    assert.deepEqual(r, { ok: true, heartbeatPeriodMs: PERIOD });
    // The reply comes after the appends: the log already has them.
    await view.waitFor(await store.headSeq());
    assert.equal(node("n1")?.state, "ready");
    assert.deepEqual(node("n1")?.description, description);
    assert.equal(node("n1")?.addr, "10.0.0.1");
  });

  it("keeps a beating node ready; marks it down within 3 periods after its heartbeats stop", async () => {
    await register("n2");
    const until = Date.now() + 6 * PERIOD;
    let lastBeat = 0;
    while (Date.now() < until) {
      lastBeat = Date.now();
      await heartbeat("n2");
      await new Promise((r) => setTimeout(r, PERIOD / 2));
      assert.equal(node("n2")?.state, "ready", "beating node stays ready");
    }
    await eventually(() => node("n2")?.state === "down", { what: "n2 down", timeoutMs: 5000, intervalMs: 10 });
    const took = Date.now() - lastBeat;
    assert.equal(node("n2")?.message, "heartbeat failure");
    assert.ok(took >= 3 * PERIOD - 50 && took < 3 * PERIOD + 1500, `down after ${took} ms`);
  });

  it("with two dispatcher instances, every instance hears every beat: a beating node stays ready", async () => {
    const second = await startDispatcher("dispatcher-2");
    try {
      await register("n1");
      const until = Date.now() + 8 * PERIOD;
      while (Date.now() < until) {
        await heartbeat("n1");
        await new Promise((r) => setTimeout(r, PERIOD / 2));
        assert.equal(node("n1")?.state, "ready", "beating node stays ready with two dispatchers");
      }
    } finally {
      await second.stop();
    }
  });

  it("a dispatcher that was blocked does not mark a beating node down: it judges only after reading what reached it", async () => {
    await register("n1");
    const worker = new Worker(new URL("../helpers/heartbeat-worker.js", import.meta.url), { workerData: { url: nats.url, nodeId: "n1", periodMs: PERIOD } });
    try {
      await new Promise((r) => worker.once("message", r));
      await eventually(() => node("n1")?.state === "ready", { what: "n1 ready", timeoutMs: 30_000 });
      const downs = () => view.state.nodes.get("n1")?.state === "down";
      const from = await store.headSeq();
      // Block this thread (and the dispatcher in it) for 5 periods while the worker keeps beating.
      const until = Date.now() + 5 * PERIOD;
      while (Date.now() < until) { /* busy: no timer, no socket read */ }
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, PERIOD / 2));
        assert.equal(downs(), false, "n1 kept beating: it must not be marked down");
      }
      const marked = (await eventsAfter(store, from)).map((e) => e.event)
        .filter((e) => e.subject === subjects.event("node", "n1") && e.type === "NodeStatusChanged" && e.data.state === "down");
      assert.deepEqual(marked, []);
    } finally {
      worker.postMessage("stop");
      await new Promise((r) => worker.once("exit", r));
    }
  });

  it("a heartbeat from a down node brings it back to ready", async () => {
    await heartbeat("n2");
    await eventually(() => node("n2")?.state === "ready", { what: "n2 ready again", timeoutMs: 30_000 });
  });
});

describe("dispatcher: task status reports", () => {
  it("turns a report into TaskStatusChanged, copying its fields", async () => {
    await createAssigned("t1", "n1");
    await report("n1", "t1", "running", { containerId: "c-1" });
    await eventually(() => task("t1")?.state === "running", { what: "t1 running", timeoutMs: 30_000 });
    assert.equal(task("t1")?.containerId, "c-1");
    assert.equal(task("t1")?.message, "running");
  });

  it("ignores a report from another node and a backward transition", async () => {
    // Count only the task's own events: nodes n1/n2 stop heartbeating here and may be marked down meanwhile.
    const taskEvents = async () => (await taskEventsOf(store, "t1")).length;
    const before = await taskEvents();
    await report("n2", "t1", "failed", { err: "not yours" });
    await report("n1", "t1", "starting");
    await report("n1", "t1", "failed", { err: "task: non-zero exit (3)", exitCode: 3 });
    await eventually(() => task("t1")?.state === "failed", { what: "t1 failed", timeoutMs: 30_000 });
    assert.equal(task("t1")?.err, "task: non-zero exit (3)");
    assert.equal(task("t1")?.exitCode, 3);
    assert.equal(await taskEvents(), before + 1, "only the valid report was appended");
  });

  it("appends reports as TaskStatusesChanged on the instance's reports subject, each member acted by the node that reported it", async () => {
    await createAssigned("t5", "n1");
    await createAssigned("t6", "n2");
    const head = await store.headSeq();
    await Promise.all([report("n1", "t5", "running"), report("n2", "t6", "running")]);
    await eventually(() => task("t5")?.state === "running" && task("t6")?.state === "running", { what: "t5 and t6 running", timeoutMs: 30_000 });
    const batches = (await eventsAfter(store, head)).map((e) => e.event).filter((e) => e.type === "TaskStatusesChanged");
    const members = batches.flatMap((b) => membersOf(b));
    assert.deepEqual(members.map((m) => [m.type, m.subject, m.actor]).sort(), [
      ["TaskStatusChanged", subjects.event("task", "t5"), { kind: "node", id: "n1", via: "dispatcher-test" }],
      ["TaskStatusChanged", subjects.event("task", "t6"), { kind: "node", id: "n2", via: "dispatcher-test" }],
    ]);
    assert.ok(batches.every((b) => b.subject === subjects.event("reports", "dispatcher-test") && b.actor.id === "dispatcher-test"));
  });

  it("records one event for a batch's steps: the furthest state", async () => {
    await createAssigned("t2", "n1");
    await send({
      kind: "tasks", nodeId: "n1", sessionId: "s-n1", updates: (["accepted", "preparing", "running"] as const)
        .map((state) => ({ taskId: "t2", state, message: state, timestamp: new Date().toISOString() })) });
    await eventually(() => task("t2")?.state === "running", { what: "t2 running", timeoutMs: 30_000 });
    const states = (await taskEventsOf(store, "t2")).flatMap((e) => (e.type === "TaskStatusChanged" ? [e.data.state] : []));
    assert.deepEqual(states, ["running"]);
  });
});

describe("dispatcher: per-node task stream", () => {
  it("publishes a doc on assignment, a new one on desired change, a tombstone on delete", async () => {
    await createAssigned("t3", "n1");
    const first = await docWhere("n1", "t3", () => true, "doc for t3");
    assert.equal(first.desiredState, "running");
    assert.equal(first.removed, false);
    assert.equal(first.version, versionOf(view.state, subjects.event("task", "t3")));

    await report("n1", "t3", "running");
    await eventually(() => task("t3")?.state === "running", { what: "t3 running", timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await doc("n1", "t3"))?.version, first.version, "a status change publishes no doc");

    await emit("TaskDesiredStateChanged", "task", "t3", { taskId: "t3", desiredState: "shutdown" });
    const second = await docWhere("n1", "t3", (d) => d.desiredState === "shutdown", "shutdown doc");
    assert.ok(second.version > first.version);

    await emit("TaskDeleted", "task", "t3", { taskId: "t3" });
    const tomb = await docWhere("n1", "t3", (d) => d.removed, "tombstone");
    assert.ok(tomb.version > second.version);
  });

  it("a task deleted while the dispatcher was down gets its tombstone on start", async () => {
    await createAssigned("t4", "n1");
    await docWhere("n1", "t4", () => true, "doc for t4");
    await dispatcher?.stop();
    await emit("TaskDeleted", "task", "t4", { taskId: "t4" });
    dispatcher = await startDispatcher();
    const tomb = await docWhere("n1", "t4", (d) => d.removed, "tombstone after restart");
    assert.equal(tomb.version, versionOf(view.state, subjects.event("task", "t4")));
  });

  it("never replaces a newer doc on the stream with an older one (each publish expects the subject's last sequence)", async () => {
    await createAssigned("t5", "n1");
    const first = await docWhere("n1", "t5", () => true, "doc for t5");
    // Another owner, further along the log (an ownership move), wrote a later doc.
    const newer = { ...first, version: first.version + 1_000_000, serviceName: "written-by-the-other-owner" };
    await js.publish(subjects.nodeTask("n1", "t5"), JSON.stringify(newer));
    // This dispatcher then decides on its own, older view: its doc is published (seen on the wire)...
    const attempts = nc.subscribe(subjects.nodeTask("n1", "t5"), { max: 1 });
    await nc.flush();
    await emit("TaskDesiredStateChanged", "task", "t5", { taskId: "t5", desiredState: "shutdown" });
    for await (const m of attempts) assert.equal(NodeTaskDoc.parse(m.json()).desiredState, "shutdown");
    // ...and once the stream has handled it (it handles its messages in order: a later publish's
    // ack), the newer doc is still the one kept.
    await js.publish(subjects.nodeTask("n1", "marker"), "{}");
    assert.deepEqual(await doc("n1", "t5"), newer);
  });
});
