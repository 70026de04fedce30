import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection as RawConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { AckedPublisher, connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { call, serve } from "../../services/shared/rpc/index.js";
import { serveBusAuthorization } from "../../services/secret-store/shell/bus-authorization.js";
import { followTasks } from "../../services/agent/shell/task-feed.js";
import { BUCKETS, ContainersRpc, LogsRpc, RegisterRpc, RenewCertRpc, STREAMS, nodeTasksStreamOf, subjects } from "../../schemas/index.js";
import { agentConsumer, certRenewalConnectionName, nodeInbox } from "../../schemas/bus-permissions.js";
import { emitter, type Emit } from "../helpers/emit.js";
import { eventually } from "../helpers/eventually.js";
import { secureTestNats, type SecureNats } from "../helpers/secure-nats.js";

/*
 * Worker nodes on the bus (DESIGN §6): admitted by the secret-store's auth callout from their node
 * certificate and the log, each with its own subjects only. Every refusal is the server's.
 */

const CLUSTER = "c1";
let nats: SecureNats;
let admin: NatsConnection;
let storeNc: NatsConnection;
let informer: Informer;
let emit: Emit;
let authz: { stop(): Promise<void> };
const open: RawConnection[] = [];
const log = createLogger("bus-callout-test");

before(async () => {
  nats = await secureTestNats({ callout: true });
  admin = await connectNats({ url: nats.url, name: "admin", tls: nats.identity("admin") });
  await ensureStreams(admin);
  const store = new JetStreamEventStore(admin);
  informer = new Informer(store, { slices: ["cluster", "node"] });
  await informer.start();
  emit = emitter(store, informer);
  await emit("ClusterInitialized", "cluster", "default", { clusterId: CLUSTER, workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 5000, taskHistoryLimit: 5 });
  for (const id of ["n1", "n2"]) await emit("NodeJoined", "node", id, { nodeId: id, name: id, role: "worker", availability: "active" });
  storeNc = await connectNats({ url: nats.url, name: "secret-store", tls: nats.identity("svc-secret-store") });
  authz = await serveBusAuthorization({ nc: storeNc, log, informer, instanceId: "secret-store-test" }, { keysDir: nats.certDir, natsUrl: nats.url });
});

after(async () => {
  for (const c of open) await c.close().catch(() => {});
  await authz?.stop();
  await storeNc?.close();
  await informer?.stop();
  await admin?.close();
  await nats?.cleanup();
});

/** A node's connection with a certificate for `subject` (default: a worker of this cluster). */
async function node(id: string, subject = `/O=${CLUSTER}/OU=swarm-worker/CN=${id}`, reconnect = false): Promise<RawConnection> {
  const tls = nats.identity(id, { subject });
  const c = await connect({
    servers: nats.url, name: `agent-${id}`, inboxPrefix: nodeInbox(id), reconnect, timeout: 5000, reconnectTimeWait: 200,
    tls: { certFile: tls.cert, keyFile: tls.key, caFile: tls.ca },
  });
  open.push(c);
  return c;
}

async function refused(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "allowed";
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return `${e.message} ${e.cause?.message ?? ""}`;
  }
}

test("a node's allowed path: its task feed, its reports and heartbeats, its registration", async () => {
  const n1 = await node("n1");
  await jetstream(admin).publish(subjects.nodeTask("n1", "t1"), JSON.stringify({ nodeId: "n1", taskId: "t1" }));
  let synced = false;
  const seen: string[] = [];
  const feed = await followTasks(n1, "n1", log, { onDoc: (d) => seen.push(d.taskId), onSynced: () => { synced = true; } });
  try {
    // The doc is not a valid NodeTaskDoc: the feed reads it (and logs it as bad), and is then synced.
    await eventually(() => synced, { what: "the task feed synced on the node's own consumer" });
    const info = await (await jetstreamManager(admin)).consumers.info(nodeTasksStreamOf("n1"), agentConsumer("n1"));
    assert.equal(info.config.filter_subject, subjects.nodeTasks("n1"));
  } finally {
    await feed.stop();
  }
  const ack = await new AckedPublisher(n1).publish(subjects.nodeStatus("n1"), "{}");
  assert.equal(ack.stream, STREAMS.nodeStatus);
  const beats = admin.subscribe(subjects.nodeHeartbeat("n1"), { max: 1 });
  await admin.flush();
  n1.publish(subjects.nodeHeartbeat("n1"), "{}");
  for await (const m of beats) assert.equal(m.subject, subjects.nodeHeartbeat("n1"));
  const dispatcher = serve(admin, subjects.dispatcherRegisterOf("n1"), RegisterRpc, () => ({ heartbeatPeriodMs: 1234 }));
  await admin.flush();
  try {
    const reply = await call(n1, subjects.dispatcherRegisterOf("n1"), RegisterRpc, {
      nodeId: "n1", sessionId: "s", addr: "127.0.0.1",
      description: { hostname: "h", os: "linux", architecture: "x86_64", engineVersion: "x", nanoCpus: 1e9, memoryBytes: 1e9, engineLabels: {} },
    });
    assert.equal(reply.heartbeatPeriodMs, 1234);
  } finally {
    await dispatcher.stop();
  }
});

test("a node serves its own logs subject, answering the api's inbox once per request; not another node's", async () => {
  const n1 = await node("n1");
  const api = await connectNats({ url: nats.url, name: "api", tls: nats.identity("svc-api") });
  const server = serve(n1, subjects.logsOfNode("n1"), LogsRpc, () => ({ lines: [{ s: 1 as const, t: "2026-01-01T00:00:00Z", d: "hi\n" }], done: true }));
  try {
    await n1.flush();
    const reply = await call(api, subjects.logsOfNode("n1"), LogsRpc, { op: "next", streamId: "s", waitMs: 0 });
    assert.deepEqual(reply, { lines: [{ s: 1, t: "2026-01-01T00:00:00Z", d: "hi\n" }], done: true });
    const sub = n1.subscribe(subjects.logsOfNode("n2"));
    const subErr: unknown = await sub.closed;
    assert.match(subErr instanceof Error ? subErr.message : String(subErr), /Permissions Violation for Subscription/);
  } finally {
    await server.stop();
    await api.close();
  }
});

test("a node serves its own containers rpc (docker kill -s, docker top) to the api; not another node's", async () => {
  const n1 = await node("n1");
  const api = await connectNats({ url: nats.url, name: "api", tls: nats.identity("svc-api") });
  const server = serve(n1, subjects.containersOfNode("n1"), ContainersRpc, () => ({ Titles: ["PID"], Processes: [["1"]] }));
  try {
    await n1.flush();
    assert.deepEqual(await call(api, subjects.containersOfNode("n1"), ContainersRpc, { op: "top", taskId: "t1" }), { Titles: ["PID"], Processes: [["1"]] });
    const sub = n1.subscribe(subjects.containersOfNode("n2"));
    const subErr: unknown = await sub.closed;
    assert.match(subErr instanceof Error ? subErr.message : String(subErr), /Permissions Violation for Subscription/);
  } finally {
    await server.stop();
    await api.close();
  }
});

test("a node cannot follow another node's tasks, read the log, report for another node, or touch KV", async () => {
  const n1 = await node("n1");
  const jsm = await jetstreamManager(n1, { checkAPI: false });
  const js = jetstream(n1, { checkAPI: false });
  // Another node's consumer, or its own name with another node's filter.
  assert.match(await refused(() => jsm.consumers.add(nodeTasksStreamOf("n2"), { name: agentConsumer("n2"), filter_subject: subjects.nodeTasks("n2") })), /permission/i);
  assert.match(await refused(() => jsm.consumers.add(nodeTasksStreamOf("n1"), { name: agentConsumer("n1"), filter_subject: subjects.nodeTasksAll })), /permission/i);
  // A plain subscription on another node's task subjects.
  const sub = n1.subscribe(subjects.nodeTasks("n2"));
  // nats.js closes a refused subscription with the server's error as the value.
  const subErr: unknown = await sub.closed;
  assert.match(subErr instanceof Error ? subErr.message : String(subErr), /Permissions Violation for Subscription/);
  // The log.
  assert.match(await refused(() => jsm.streams.info(STREAMS.events)), /permission/i);
  assert.match(await refused(() => jsm.consumers.add(STREAMS.events, { name: "peek" })), /permission/i);
  // Another node's report; an event.
  assert.match(await refused(() => js.publish(subjects.nodeStatus("n2"), "{}")), /permission/i);
  assert.match(await refused(() => js.publish(subjects.event("node", "n2"), "{}")), /permission/i);
  // KV.
  assert.match(await refused(() => jsm.streams.info(`KV_${BUCKETS.members}`)), /permission/i);
  assert.match(await refused(() => js.publish(`$KV.${BUCKETS.members}.x`, "{}")), /permission/i);
  assert.match(await refused(() => js.publish(`$KV.${BUCKETS.secrets}.x`, "{}")), /permission/i);
});

test("an unknown node, another cluster's certificate, a manager's certificate for a worker, an expired certificate: refused", async () => {
  assert.match(await refused(() => node("n3")), /Authorization Violation/i);
  assert.match(await refused(() => node("n1", `/O=other/OU=swarm-worker/CN=n1`)), /Authorization Violation/i);
  assert.match(await refused(() => node("n1", `/O=${CLUSTER}/OU=swarm-manager/CN=n1`)), /Authorization Violation/i);
  const expired = nats.identity("n1", {
    subject: `/O=${CLUSTER}/OU=swarm-worker/CN=n1`, notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000),
  });
  const err = await refused(() => connect({ servers: nats.url, reconnect: false, timeout: 5000, tls: { certFile: expired.cert, keyFile: expired.key, caFile: expired.ca } }));
  assert.notEqual(err, "allowed");
});

test("node rm: the node's live connection is closed and its next publish refused", async () => {
  const n2 = await node("n2", undefined, true);
  const js = jetstream(n2, { checkAPI: false });
  await js.publish(subjects.nodeStatus("n2"), "{}");
  await emit("NodeRemoved", "node", "n2", { nodeId: "n2" });
  await eventually(async () => (await refused(() => js.publish(subjects.nodeStatus("n2"), "{}", { timeout: 500 }))) !== "allowed", {
    timeoutMs: 30_000, what: "n2's publish refused after node rm",
  });
  // It stays out: a new connection is refused by the callout.
  assert.match(await refused(() => node("n2")), /Authorization Violation/i);
});

test("a change of role (promote or demote) closes the node's connection; its certificate of the old role is refused", async () => {
  const n1 = await node("n1", undefined, true);
  const js = jetstream(n1, { checkAPI: false });
  await js.publish(subjects.nodeStatus("n1"), "{}");
  await emit("NodeUpdated", "node", "n1", { nodeId: "n1", role: "manager", availability: "active", labels: {} });
  await eventually(async () => (await refused(() => js.publish(subjects.nodeStatus("n1"), "{}", { timeout: 500 }))) !== "allowed", {
    timeoutMs: 30_000, what: "n1's publish refused after its role changed",
  });
  assert.match(await refused(() => node("n1")), /Authorization Violation/i);
  // A certificate issued for the new role is admitted.
  const again = await node("n1", `/O=${CLUSTER}/OU=swarm-manager/CN=n1`);
  await jetstream(again, { checkAPI: false }).publish(subjects.nodeStatus("n1"), "{}");
});

test("a promoted node's certificate of its former role: refused, except for a renewal-only login that may ask for its renewal and nothing else", async () => {
  await emit("NodeJoined", "node", "n5", { nodeId: "n5", name: "n5", role: "worker", availability: "active" });
  await emit("NodeUpdated", "node", "n5", { nodeId: "n5", role: "manager", availability: "active", labels: {} });
  const old = nats.identity("n5", { subject: `/O=${CLUSTER}/OU=swarm-worker/CN=n5` });
  const tls = { certFile: old.cert, keyFile: old.key, caFile: old.ca };
  assert.match(await refused(() => connect({ servers: nats.url, name: "agent-n5", reconnect: false, timeout: 5000, tls })), /Authorization Violation/i);
  const r = await connect({ servers: nats.url, name: certRenewalConnectionName("n5"), inboxPrefix: nodeInbox("n5"), reconnect: false, timeout: 5000, tls });
  open.push(r);
  // Its renewal subject is open to it (a CA answers there: here a stand-in on the admin connection).
  const ca = serve(admin, subjects.certRenewOf("n5"), RenewCertRpc, () => ({ cert: "c", caCert: "ca", role: "manager" as const }));
  await admin.flush();
  try {
    assert.equal((await call(r, subjects.certRenewOf("n5"), RenewCertRpc, { nodeId: "n5", csr: "x" })).role, "manager");
  } finally {
    await ca.stop();
  }
  // Nothing else: not its reports, not another node's renewal.
  assert.match(await refused(() => jetstream(r, { checkAPI: false }).publish(subjects.nodeStatus("n5"), "{}", { timeout: 2000 })), /permission|timeout/i);
  const errors: string[] = [];
  void (async () => { for await (const st of r.status()) if (st.type === "error") errors.push(st.error.message); })();
  r.publish(subjects.certRenewOf("n1"), "{}");
  await eventually(() => errors.some((m) => /Permissions Violation for Publish to "swarm\.rpc\.certs\.renew\.n1"/i.test(m)), { timeoutMs: 30_000, what: "the server's refusal" });
});
