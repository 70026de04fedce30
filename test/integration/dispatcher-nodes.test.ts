import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { jetstream, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { type NatsConnection } from "../../services/shared/nats/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { NodeTaskDoc, STREAMS, nodeTasksStreamOf, subjects } from "../../schemas/index.js";
import { start } from "../../services/dispatcher/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { registerNode, registerReply, type Registration } from "../helpers/register.js";
import { eventually } from "../helpers/eventually.js";
import { emitter, type Emit } from "../helpers/emit.js";

/* Node lifecycle in the dispatcher: the cluster's heartbeat period changing, and `node rm`. */

const PERIOD = 200;
const description = { hostname: "h1", os: "linux", architecture: "x86_64", nanoCpus: 2e9, memoryBytes: 4e9, engineVersion: "28", engineLabels: {} };
let fx: LogFixture | undefined;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let store: JetStreamEventStore;
let view: Informer;
let dispatcher: { stop(): Promise<void> } | undefined;

let emitOnce: Emit | undefined;
const emit: Emit = (type, kind, id, data) => (emitOnce ??= emitter(store, view))(type, kind, id, data);
async function register(nodeId: string): Promise<Registration> {
  return registerNode(nc, { nodeId, sessionId: `s-${nodeId}`, description, addr: "10.0.0.1" });
}
const heartbeat = async (nodeId: string) => {
  nc.publish(subjects.nodeHeartbeat(nodeId), JSON.stringify({ kind: "heartbeat", nodeId, sessionId: `s-${nodeId}`, at: new Date().toISOString() }));
  await nc.flush();
};
async function doc(nodeId: string, taskId: string): Promise<NodeTaskDoc | undefined> {
  const m = await jsm.streams.getMessage(nodeTasksStreamOf(nodeId), { last_by_subj: subjects.nodeTask(nodeId, taskId) }).catch(() => null);
  return m ? NodeTaskDoc.parse(m.json()) : undefined;
}
function docWhere(nodeId: string, taskId: string, ok: (d: NodeTaskDoc) => boolean, what: string): Promise<NodeTaskDoc> {
  return eventually(async () => {
    const d = await doc(nodeId, taskId);
    if (!d || !ok(d)) throw new Error(`doc is ${JSON.stringify(d)}`);
    return d;
  }, { what, timeoutMs: 10_000 });
}
const startDispatcher = () => start({ nc, store, log: createLogger("test", "silent"), instanceId: "dispatcher-nodes" }, { livenessIntervalMs: 20, nakDelayMs: 100 });

before(async () => {
  fx = await logFixture("dispatcher-nodes-test");
  ({ nc, jsm, store, view } = fx);
  js = jetstream(nc);
  await emit("ClusterInitialized", "cluster", "default", { clusterId: "c1", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: PERIOD, taskHistoryLimit: 5 });
  for (const id of ["n1", "n2"]) await emit("NodeJoined", "node", id, { nodeId: id, name: id, role: "worker", availability: "active" });
  dispatcher = await startDispatcher();
});
after(async () => {
  await dispatcher?.stop();
  await fx?.stop();
});

describe("dispatcher: the cluster's heartbeat period", () => {
  it("a longer period (ClusterUpdated) is given at registration and applies to liveness at once", async () => {
    assert.deepEqual(await register("n1"), { ok: true, heartbeatPeriodMs: PERIOD });
    await emit("ClusterUpdated", "cluster", "default", { heartbeatPeriodMs: 2000 });
    await heartbeat("n1");
    // Silent for well over 3 old periods (600 ms), well under 3 new ones (6 s).
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      assert.equal(view.state.nodes.get("n1")?.state, "ready", "n1 stays ready under the longer period");
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await register("n1"), { ok: true, heartbeatPeriodMs: 2000 });
    await emit("ClusterUpdated", "cluster", "default", { heartbeatPeriodMs: PERIOD });
    await eventually(() => view.state.nodes.get("n1")?.state === "down", { what: "n1 down once it misses the periods it was told", timeoutMs: 15_000 });
  });
});

describe("dispatcher: the certificate a node should hold", () => {
  it("the reply names the node's role and the cluster's --cert-expiry (Swarm's 90 days by default), and follows their changes", async () => {
    const req = { nodeId: "n2", sessionId: "s-cert", description, addr: "10.0.0.1" };
    assert.deepEqual((await registerReply(nc, req)).certificate, { role: "worker", expiryMs: 90 * 86400_000 });
    await emit("ClusterUpdated", "cluster", "default", { nodeCertExpiryMs: 7_200_000 });
    await emit("NodeUpdated", "node", "n2", { nodeId: "n2", role: "manager", availability: "active", labels: {} });
    await eventually(async () => (await registerReply(nc, req)).certificate?.role === "manager", { what: "the new role in the reply" });
    assert.deepEqual((await registerReply(nc, req)).certificate, { role: "manager", expiryMs: 7_200_000 });
    await emit("NodeUpdated", "node", "n2", { nodeId: "n2", role: "worker", availability: "active", labels: {} });
  });
});

describe("dispatcher: node rm", () => {
  it("a removed node's tasks are no longer sent: their docs become tombstones", async () => {
    assert.equal((await register("n2")).ok, true);
    await emit("TaskCreated", "task", "t9", {
      taskId: "t9", serviceId: "svc1", serviceName: "web", slot: 1, spec: { ContainerSpec: { Image: "img" } },
      specVersion: 1, desiredState: "running", state: "pending" });
    await emit("TaskAssigned", "task", "t9", { taskId: "t9", nodeId: "n2" });
    await docWhere("n2", "t9", (d) => !d.removed && d.desiredState === "running", "t9's doc on n2");
    await emit("NodeRemoved", "node", "n2", { nodeId: "n2" });
    const d = await docWhere("n2", "t9", (x) => x.removed, "t9's tombstone on n2");
    assert.equal(d.desiredState, "remove");
  });

  it("a dispatcher starting after the removal tombstones what is still on the stream", async () => {
    await dispatcher?.stop();
    dispatcher = undefined;
    await emit("TaskCreated", "task", "t10", {
      taskId: "t10", serviceId: "svc1", serviceName: "web", slot: 2, spec: { ContainerSpec: { Image: "img" } },
      specVersion: 1, desiredState: "running", state: "pending" });
    await emit("TaskAssigned", "task", "t10", { taskId: "t10", nodeId: "n1" });
    // A doc left behind as if published before a crash, then the node removed while no dispatcher ran.
    const live = { taskId: "t10", serviceId: "svc1", serviceName: "web", slot: 2, nodeId: "n1", spec: { ContainerSpec: { Image: "img" } }, desiredState: "running", version: 1, removed: false };
    await js.publish(subjects.nodeTask("n1", "t10"), JSON.stringify(live));
    await emit("NodeRemoved", "node", "n1", { nodeId: "n1" });
    dispatcher = await startDispatcher();
    await docWhere("n1", "t10", (x) => x.removed, "t10's tombstone on n1");
  });
});
