import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { listMembers, startMembership, type Membership } from "../../services/shared/instances/index.js";
import { rendezvousOwner } from "../../services/shared/ownership/index.js";
import { type AppendRequest, type AppendResult } from "../../services/shared/model/index.js";
import { subjects, type Envelope, type NodeStatusMessage, type TaskState } from "../../schemas/index.js";
import { start, type RunningDispatcher } from "../../services/dispatcher/index.js";
import { testNats } from "../helpers/nats.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { registerNode, type Registration } from "../helpers/register.js";
import { eventually } from "../helpers/eventually.js";
import { emitter, type Emit } from "../helpers/emit.js";

/*
 * Dispatchers partitioned by node (DESIGN §5), in-process with their membership heartbeats;
 * agents simulated at the NATS level (registration request, plain heartbeats, NODE_STATUS
 * reports). Only a node's owner marks it down and publishes its task docs; any instance turns a
 * report into TaskStatusChanged; a crashed instance's nodes move to the other.
 */

const PERIOD = 200;
const description = { hostname: "h", os: "linux", architecture: "x86_64", nanoCpus: 2e9, memoryBytes: 4e9, engineVersion: "28", engineLabels: {} };
let nats: Awaited<ReturnType<typeof testNats>>;
let fx: LogFixture | undefined;
let nc: NatsConnection;
let js: JetStreamClient;
let store: JetStreamEventStore;
let view: Informer;
let emit: Emit;
interface Instance { id: string; conn: NatsConnection; disp: RunningDispatcher; member: Membership }
const instances = new Map<string, Instance>();
/** Nodes whose simulated agent is beating. */
const beating = new Set<string>();
let beater: NodeJS.Timeout | undefined;
/** Every doc publish seen on the wire (a plain subscriber sees duplicates the stream de-duplicates). */
const docPublishes: string[] = [];

async function dispatcher(id: string, opts: { store?: (conn: NatsConnection) => JetStreamEventStore; handoverGraceMs?: number } = {}): Promise<Instance> {
  const conn = await connectNats({ url: nats.url, name: id });
  let disp: RunningDispatcher | undefined;
  const member = await startMembership(conn, { service: "dispatcher", instanceId: id, status: () => disp?.status() });
  disp = await start({ nc: conn, store: opts.store?.(conn) ?? new JetStreamEventStore(conn), log: createLogger(id, "silent"), instanceId: id },
    { livenessIntervalMs: 20, nakDelayMs: 100, partitioned: true, partitionSweepMs: 100, ...(opts.handoverGraceMs !== undefined ? { handoverGraceMs: opts.handoverGraceMs } : {}) });
  await member.beat();
  const inst = { id, conn, disp, member };
  instances.set(id, inst);
  return inst;
}

/** The first node ids `n<i>` of which each of `members` owns three. */
function pickNodes(members: string[]): string[] {
  const mine = new Map(members.map((m) => [m, [] as string[]]));
  for (let i = 0; [...mine.values()].some((l) => l.length < 3); i++) {
    const list = mine.get(rendezvousOwner(`n${i}`, members)!)!;
    if (list.length < 3) list.push(`n${i}`);
  }
  return [...mine.values()].flat();
}

async function register(nodeId: string): Promise<Registration> {
  return registerNode(nc, { nodeId, sessionId: `s-${nodeId}`, description, addr: "10.0.0.1" });
}
function beat(): void {
  for (const nodeId of beating) {
    nc.publish(subjects.nodeHeartbeat(nodeId), JSON.stringify({ kind: "heartbeat", nodeId, sessionId: `s-${nodeId}`, at: new Date().toISOString(), periodMs: PERIOD }));
  }
}
async function report(nodeId: string, taskId: string, state: TaskState): Promise<void> {
  const msg: NodeStatusMessage = { kind: "tasks", nodeId, sessionId: `s-${nodeId}`, updates: [{ taskId, state, message: state, timestamp: new Date().toISOString() }] };
  await js.publish(subjects.nodeStatus(nodeId), JSON.stringify(msg));
}
async function assignedTask(taskId: string, nodeId: string): Promise<void> {
  await emit("TaskCreated", "task", taskId, {
    taskId, serviceId: "svc1", serviceName: "web", slot: 1, spec: { ContainerSpec: { Image: "img" } }, specVersion: 1, desiredState: "running", state: "pending" });
  await emit("TaskAssigned", "task", taskId, { taskId, nodeId });
}
/** Events of `type` after `sinceSeq`, from the log. */
async function logged(type: string, sinceSeq = 0): Promise<Envelope[]> {
  const replay = new Informer(store);
  const out: Envelope[] = [];
  replay.onEvent((e) => { if (e.seq > sinceSeq && e.event.type === type) out.push(e.event); });
  await replay.start();
  await replay.stop();
  return out;
}
/** Doc publishes seen for a task (msg id `<task>:<version>`). */
const published = (taskId: string) => docPublishes.filter((id) => id.startsWith(`${taskId}:`)).length;
const nodeState = (id: string) => view.state.nodes.get(id)?.state;

before(async () => {
  fx = await logFixture("partition-dispatcher-test");
  ({ nats, nc, store, view } = fx);
  js = jetstream(nc);
  emit = emitter(store, view);
  await emit("ClusterInitialized", "cluster", "default", { clusterId: "c1", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: PERIOD, taskHistoryLimit: 5 });
  nc.subscribe(subjects.nodeTasksAll, { callback: (_e, m) => { docPublishes.push(m.headers?.get("Nats-Msg-Id") ?? "?"); } });
  beater = setInterval(beat, PERIOD / 2);
});
after(async () => {
  clearInterval(beater);
  for (const i of instances.values()) {
    await i.disp.stop().catch(() => undefined);
    await i.member.stop().catch(() => undefined);
    if (!i.conn.isClosed()) await i.conn.drain().catch(() => undefined);
  }
  await fx?.stop();
});

describe("dispatchers partitioned by node", () => {
  const members = ["disp-a", "disp-b"];
  const nodes = pickNodes(members);
  const owner = (nodeId: string) => rendezvousOwner(nodeId, members)!;

  it("registers every node through either instance; membership shows the nodes each owns", async () => {
    for (const id of nodes) await emit("NodeJoined", "node", id, { nodeId: id, name: id, role: "worker", availability: "active" });
    await dispatcher("disp-a");
    await dispatcher("disp-b");
    for (const id of nodes) {
      assert.deepEqual(await register(id), { ok: true, heartbeatPeriodMs: PERIOD });
      beating.add(id);
    }
    await eventually(() => nodes.every((id) => nodeState(id) === "ready"), { what: "all nodes ready" });
    const recs = await eventually(async () => {
      const m = (await listMembers(nc)).filter((r) => r.service === "dispatcher");
      return m.length === 2 && m.every((r) => r.owns?.count === 3) ? m : undefined;
    }, { what: "each dispatcher reports 3 nodes owned", timeoutMs: 10_000 });
    assert.deepEqual(recs?.map((r) => [r.instanceId, r.role, r.owns?.kind]), [["disp-a", "partitions", "node"], ["disp-b", "partitions", "node"]]);
  });

  it("publishes each task doc once, from the node's owner; reports are handled by any instance", async () => {
    docPublishes.length = 0;
    for (const id of nodes) await assignedTask(`t-${id}`, id);
    await eventually(() => nodes.every((id) => published(`t-${id}`) > 0), { what: "a doc per task", timeoutMs: 10_000 });
    for (const id of nodes) await report(id, `t-${id}`, "running");
    await eventually(() => nodes.every((id) => view.state.tasks.get(`t-${id}`)?.state === "running"), { what: "every task running" });
    assert.deepEqual(nodes.map((id) => published(`t-${id}`)), nodes.map(() => 1), `no doc published twice: ${docPublishes.join(" ")}`);
  });

  it("only a node's owner marks it down", async () => {
    const seq = await store.headSeq();
    const quiet = [nodes[0]!, nodes[3]!]; // one of each owner
    assert.notEqual(owner(quiet[0]!), owner(quiet[1]!));
    for (const id of quiet) beating.delete(id);
    await eventually(() => quiet.every((id) => nodeState(id) === "down"), { what: "silent nodes down", timeoutMs: 5000 });
    const downs = (await logged("NodeStatusChanged", seq)).filter((e) => e.type === "NodeStatusChanged" && e.data.state === "down");
    assert.deepEqual(downs.map((e) => [e.subject, e.actor.id]).sort(), quiet.map((id) => [subjects.event("node", id), owner(id)]).sort());
    // Beating again: the owner brings it back.
    for (const id of quiet) beating.add(id);
    await eventually(() => quiet.every((id) => nodeState(id) === "ready"), { what: "back to ready", timeoutMs: 5000 });
    assert.ok(nodes.every((id) => nodeState(id) === "ready"));
  });

  it("the owner judges a node on the period its heartbeats state, whichever instance answered its registration", async () => {
    // The cluster's period drops to 50 ms while the agents still beat every 300 ms at their told
    // 200 ms (an agent hears of a new period only when it registers again): 3 × 200 ms allowed.
    const seq = await store.headSeq();
    clearInterval(beater);
    beater = setInterval(beat, 300);
    try {
      await emit("ClusterUpdated", "cluster", "default", { heartbeatPeriodMs: 50 });
      const until = Date.now() + 2000;
      while (Date.now() < until) {
        assert.ok(nodes.every((id) => nodeState(id) === "ready"), "a node beating at its told period stays ready");
        await new Promise((r) => setTimeout(r, 50));
      }
      const downs = (await logged("NodeStatusChanged", seq)).filter((e) => e.type === "NodeStatusChanged" && e.data.state === "down");
      assert.deepEqual(downs.map((e) => e.subject), []);
    } finally {
      await emit("ClusterUpdated", "cluster", "default", { heartbeatPeriodMs: PERIOD });
      clearInterval(beater);
      beater = setInterval(beat, PERIOD / 2);
    }
  });

  it("a crashed instance's nodes move to the other: it marks them down and publishes their docs", async () => {
    const victim = instances.get("disp-b")!;
    await victim.disp.stop();
    await victim.conn.close(); // its record is left to expire
    instances.delete("disp-b");
    const hers = nodes.filter((id) => owner(id) === "disp-b");
    await eventually(async () => (await listMembers(nc)).find((r) => r.instanceId === "disp-a")?.owns?.count === nodes.length,
      { what: "disp-a owns every node once disp-b's record expired", timeoutMs: 20_000 });
    const seq = await store.headSeq();
    docPublishes.length = 0;
    await assignedTask("t-late", hers[0]!);
    await eventually(() => published("t-late") === 1, { what: "the doc of a task on a taken-over node" });
    beating.delete(hers[1]!);
    await eventually(() => nodeState(hers[1]!) === "down", { what: "a taken-over node marked down", timeoutMs: 5000 });
    const downs = (await logged("NodeStatusChanged", seq)).filter((e) => e.type === "NodeStatusChanged" && e.data.state === "down");
    assert.deepEqual(downs.map((e) => [e.subject, e.actor.id]), [[subjects.event("node", hers[1]!), "disp-a"]]);
    assert.ok(nodes.filter((id) => id !== hers[1]).every((id) => nodeState(id) === "ready"), "the beating nodes stay ready");
  });
});

/** A dispatcher's event store whose report appends take `ms` longer (a loaded server). */
class SlowReports extends JetStreamEventStore {
  /** Report appends asked for, and those done. */
  asked = 0;
  done = 0;
  constructor(conn: NatsConnection, private readonly ms: number) { super(conn); }
  override async append(req: AppendRequest): Promise<AppendResult> {
    if (req.event.type !== "TaskStatusesChanged" && req.event.type !== "TaskStatusChanged") return super.append(req);
    this.asked++;
    await new Promise((r) => setTimeout(r, this.ms));
    try { return await super.append(req); } finally { this.done++; }
  }
}

describe("nodes handed over between live instances", () => {
  const nodes = pickNodes(["disp-a", "disp-b"]); // the nodes above: registered and beating
  it("the new owner leaves their reports queued while the old owner's may be in flight: the log keeps each node's order", async () => {
    // disp-a (above) owns every node; it steps down cleanly, and disp-slow, whose report appends
    // take 4 s, owns them all until disp-new (grace 8 s) joins and takes some.
    const a = instances.get("disp-a")!;
    await a.disp.stop();
    await a.member.stop();
    await a.conn.drain();
    instances.delete("disp-a");
    let slow: SlowReports | undefined;
    await dispatcher("disp-slow", { store: (conn) => (slow = new SlowReports(conn, 4000)) });
    const moving = nodes.filter((id) => rendezvousOwner(id, ["disp-new", "disp-slow"]) === "disp-new");
    assert.ok(moving.length >= 2, `nodes that move: ${moving.join()}`);
    await eventually(async () => (await listMembers(nc)).filter((r) => r.service === "dispatcher").map((r) => r.instanceId).join() === "disp-slow",
      { what: "disp-slow the only dispatcher", timeoutMs: 20_000 });
    docPublishes.length = 0;
    const task = (id: string) => `t-handover-${id}`;
    for (const id of moving) await assignedTask(task(id), id);
    await eventually(() => moving.every((id) => published(task(id)) === 1), { what: "the tasks' docs, from disp-slow" });
    const seq = await store.headSeq();
    for (const id of moving) await report(id, task(id), "starting");
    await eventually(() => slow!.asked > 0, { what: "disp-slow appending the reports" });
    const fresh = await dispatcher("disp-new", { handoverGraceMs: 8000 });
    await eventually(() => (fresh.disp.status().owns?.count ?? 0) === moving.length, { what: "disp-new owning the moved nodes" });
    await new Promise((r) => setTimeout(r, 300)); // both instances pulling
    // The race is real: each node's next report comes while disp-slow's append is still in flight.
    assert.equal(slow!.done, 0, "disp-slow's report append still in flight");
    for (let k = 0; k < 3; k++) for (const id of moving) await report(id, task(id), k === 2 ? "running" : "starting");
    await eventually(() => moving.every((id) => view.state.tasks.get(task(id))?.state === "running"), { what: "the tasks running", timeoutMs: 20_000 });
    // Each task's steps in the log, in order (the informer hands a batch's members to listeners).
    const events = await logged("TaskStatusChanged", seq);
    for (const id of moving) {
      const steps = events.flatMap((m) => (m.type === "TaskStatusChanged" && m.data.taskId === task(id) ? [[m.data.state, m.actor.via]] : []));
      assert.deepEqual(steps, [["starting", "disp-slow"], ["running", "disp-new"]], `${task(id)}'s steps`);
    }
  });
});
