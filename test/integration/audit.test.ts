import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { readRange, seqAtTime, type RawMsg } from "../../services/api/shell/log-reader/index.js";
import { start as startApi, type RunningApi } from "../../services/api/index.js";
import { start as startOrchestrator } from "../../services/orchestrator/index.js";
import { start as startScheduler } from "../../services/scheduler/index.js";
import { projectRoot } from "../../deploy/launcher/nats-server.js";
import { STREAMS } from "../../schemas/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";
import { emitter, type Emit } from "../helpers/emit.js";
import { serveTestCa } from "../helpers/cluster-keys.js";

/*
 * Audit by replay against a real nats-server, with the real api, orchestrator and scheduler in
 * this process; the test plays the dispatcher for the one node (its events act for the node).
 */

let fx: LogFixture | undefined;
let nc: NatsConnection;
let store: JetStreamEventStore;
let view: Informer;
let api: RunningApi;
let services: { stop(): Promise<void> }[] = [];
let asNode: Emit;
let nodeId = "";

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(api.url + path, {
    method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
async function ok(method: string, path: string, body?: unknown): Promise<any> {
  const r = await call(method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const q = (o: Record<string, string>) => new URLSearchParams(o).toString();
const byId = <T extends { ID: string }>(xs: T[]) => [...xs].sort((a, b) => a.ID.localeCompare(b.ID));

function swarm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot(), "dist/cli/main.js"), "--host", api.url, ...args], { timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** The node's agent, played: assigned tasks that should run are running; those told to stop are shut down. */
async function agentStep(): Promise<boolean> {
  let settled = true;
  for (const t of view.state.tasks.values()) {
    if (t.nodeId !== nodeId) continue;
    if (t.desiredState === "running" && t.state === "assigned") {
      await asNode("TaskStatusChanged", "task", t.id, { taskId: t.id, state: "running", message: "started", timestamp: new Date().toISOString() });
      settled = false;
    } else if (t.desiredState !== "running" && t.desiredState !== "ready" && ["assigned", "running"].includes(t.state)) {
      await asNode("TaskStatusChanged", "task", t.id, { taskId: t.id, state: "shutdown", message: "shutdown", timestamp: new Date().toISOString() });
      settled = false;
    }
  }
  return settled;
}
/** Until the service has `n` running tasks of `image` and nothing is left to do. */
async function converge(n: number, image: string): Promise<void> {
  await eventually(async () => {
    const settled = await agentStep();
    const running = [...view.state.tasks.values()].filter((t) => t.state === "running" && t.spec.ContainerSpec.Image === image);
    return settled && running.length === n;
  }, { what: `${n} running of ${image}`, timeoutMs: 60_000, intervalMs: 50 });
}

/** The secret-store's CA handlers the api asks for join tokens and certificates. */
let testCa: Awaited<ReturnType<typeof serveTestCa>> | undefined;

before(async () => {
  fx = await logFixture("audit-test");
  ({ nc, store, view } = fx);
  testCa = await serveTestCa(nc, store);
  const log = createLogger("audit-test", "silent");
  api = await startApi({ nc, store, log, instanceId: "api-audit" }, { listen: "127.0.0.1:0", insecureHttp: true });
  services = [
    await startOrchestrator({ nc, store, log, instanceId: "orchestrator-audit" }),
    await startScheduler({ nc, store, log, instanceId: "scheduler-audit" }, { debounceMs: 10 }),
  ];
});
after(async () => {
  for (const s of services) await s.stop();
  await api?.stop();
  await testCa?.stop();
  await fx?.stop();
});

/** What the test recorded while the cluster ran: a point of the log and what `service ps` showed then. */
const recorded: { seq: number; time: string; tasks: any[]; services: any[]; head: number } = { seq: 0, time: "", tasks: [], services: [], head: 0 };

describe("audit by replay", () => {
  it("a cluster's life: init, a node, web created (2 replicas), then scaled to 3 and updated to img:2", async () => {
    const init = await ok("POST", "/swarm/init", { NodeName: "n1" });
    nodeId = init.NodeID;
    asNode = emitter(store, view, "dispatcher", { kind: "node", id: nodeId, via: "dispatcher-audit" });
    await asNode("NodeRegistered", "node", nodeId, {
      nodeId, addr: "127.0.0.1",
      description: { hostname: "host-1", os: "linux", architecture: "x86_64", nanoCpus: 2e9, memoryBytes: 4e9, engineVersion: "27.0", engineLabels: {} },
    });
    await asNode("NodeStatusChanged", "node", nodeId, { nodeId, state: "ready", message: "" });
    const update = { Parallelism: 0, Delay: 0, Monitor: 1e8 };
    await ok("POST", "/services/create", { Name: "web", Mode: { Replicated: { Replicas: 2 } }, UpdateConfig: update, TaskTemplate: { ContainerSpec: { Image: "img:1" } } });
    await converge(2, "img:1");

    // Record: the head, a time after it, and what `service ps web` / `service ls` showed.
    recorded.seq = await store.headSeq();
    await view.waitFor(recorded.seq);
    recorded.tasks = await ok("GET", `/tasks?${q({ filters: JSON.stringify({ service: ["web"] }) })}`);
    recorded.services = await ok("GET", "/services");
    const t = Date.now();
    await eventually(() => Date.now() > t + 2, { what: "the clock to move", intervalMs: 1 });
    recorded.time = new Date().toISOString();
    await eventually(() => Date.now() > Date.parse(recorded.time) + 2, { what: "the clock to move", intervalMs: 1 });

    const svc = await ok("GET", "/services/web");
    await ok("POST", `/services/${svc.ID}/update?version=${svc.Version.Index}`, { ...svc.Spec, Mode: { Replicated: { Replicas: 3 } } });
    await converge(3, "img:1");
    const svc2 = await ok("GET", "/services/web");
    await ok("POST", `/services/${svc2.ID}/update?version=${svc2.Version.Index}`,
      { ...svc2.Spec, TaskTemplate: { ContainerSpec: { Image: "img:2" } } });
    await converge(3, "img:2");
    await eventually(async () => (await ok("GET", "/services/web")).UpdateStatus?.State === "completed", { what: "update completed", timeoutMs: 60_000 });
    recorded.head = await store.headSeq();
    assert.ok(recorded.head > recorded.seq + 6, `${recorded.head} > ${recorded.seq} + 6`);
  });

  it("audit state at the recorded sequence and time is what service ps and service ls showed then", async () => {
    for (const at of [`seq:${recorded.seq}`, recorded.time]) {
      const s = await ok("GET", `/jetswarm/audit/state?${q({ at })}`);
      assert.equal(s.seq, recorded.seq, at);
      assert.deepEqual(byId(s.tasks.filter((t: any) => t.ServiceName === "web")), byId(recorded.tasks), at);
      assert.deepEqual(byId(s.services), byId(recorded.services), at);
      assert.deepEqual(s.nodes.map((n: any) => [n.Description?.Hostname, n.Status.State]), [["host-1", "ready"]]);
    }
    const now = await ok("GET", `/jetswarm/audit/state?${q({ at: `seq:${recorded.head}` })}`);
    assert.deepEqual(byId(now.tasks), byId(await ok("GET", "/tasks")));
    const before = await ok("GET", `/jetswarm/audit/state?${q({ at: "seq:0" })}`);
    assert.deepEqual([before.seq, before.services, before.tasks], [0, [], []]);
    const missing = await call("GET", `/jetswarm/audit/state?${q({ at: "seq:1", stream: "NO_SUCH" })}`);
    assert.deepEqual([missing.status, missing.body.message], [404, "stream NO_SUCH not found"]);
    const bad = await call("GET", `/jetswarm/audit/state?${q({ at: "yesterday" })}`);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^at: "yesterday" is not a time/);
  });

  it("diff names what changed between the two points", async () => {
    const d = await ok("GET", `/jetswarm/audit/diff?${q({ from: `seq:${recorded.seq}`, to: `seq:${recorded.head}` })}`);
    assert.deepEqual([d.from, d.to], [recorded.seq, recorded.head]);
    assert.deepEqual(d.changes.filter((c: any) => c.kind === "service"), [{ kind: "service", name: "web", change: "updated: replicas 2 → 3, image img:1 → img:2" }]);
    assert.deepEqual(d.changes.filter((c: any) => c.kind === "tasks"), [{ kind: "tasks", name: "web", change: "running 2 → running 3, shutdown 3" }]);
    const cli = await swarm("audit", "diff", "--from", recorded.time, "--to", `seq:${recorded.head}`);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^# changes from seq \d+ to seq \d+\nservice web: updated: replicas 2 → 3, image img:1 → img:2\ntasks web: running 2 → running 3, shutdown 3\n$/);
  });

  it("events: every event with its actor; filters by type, service, node, actor; since and until", async () => {
    const all = await ok("GET", "/jetswarm/events");
    // A batch lists as its members, each at the batch's sequence: every sequence appears, in order.
    const seqs = (rows: any[]) => [...new Set(rows.map((e) => e.seq))];
    assert.deepEqual(seqs(all.events), Array.from({ length: recorded.head }, (_, i) => i + 1));
    assert.ok(all.events.length > recorded.head, "the tasks' creations, placements and reports were batched");
    assert.equal(all.head, recorded.head);
    const actorOf = (type: string) => [...new Set(all.events.filter((e: any) => e.type === type).map((e: any) => JSON.stringify(e.actor)))];
    assert.deepEqual(actorOf("ServiceCreated"), [JSON.stringify({ kind: "user", id: "local", via: "api-audit" })]);
    assert.deepEqual(actorOf("TaskCreated"), [JSON.stringify({ kind: "service", id: "orchestrator-audit" })]);
    assert.deepEqual(actorOf("TaskAssigned"), [JSON.stringify({ kind: "service", id: "scheduler-audit" })]);
    assert.deepEqual(actorOf("TaskStatusChanged"), [JSON.stringify({ kind: "node", id: nodeId, via: "dispatcher-audit" })]);
    const created = all.events.find((e: any) => e.type === "ServiceCreated");
    assert.equal(created.summary, "service web (2 replicas, img:1)");
    assert.equal(created.object.kind, "service");

    const get = async (o: Record<string, string>) => (await ok("GET", `/jetswarm/events?${q(o)}`)).events as any[];
    const f = (x: Record<string, string[]>) => JSON.stringify(x);
    assert.deepEqual((await get({ filters: f({ type: ["ServiceUpdated"] }) })).map((e) => e.summary),
      ["service web updated (3 replicas, img:1)", "service web updated (3 replicas, img:2)"]);
    const web = await get({ filters: f({ service: ["web"] }) });
    assert.ok(web.length > 10 && web.every((e) => e.type.startsWith("Service") || e.type.startsWith("Task")));
    assert.deepEqual([...new Set((await get({ filters: f({ actor: ["node"] }) })).map((e) => e.type))].sort(),
      ["NodeRegistered", "NodeStatusChanged", "TaskStatusChanged"]);
    assert.equal((await get({ filters: f({ node: ["n1"], type: ["TaskAssigned"] }) })).length, 6);
    assert.equal((await get({ filters: f({ node: [nodeId.slice(0, 6)], type: ["TaskAssigned"] }) })).length, 6);
    const since = await get({ since: `seq:${recorded.seq + 1}` });
    assert.equal(since[0].seq, recorded.seq + 1);
    assert.equal(seqs(since).length, recorded.head - recorded.seq);
    const byTime = await get({ since: recorded.time });
    assert.deepEqual(byTime.map((e) => e.seq), since.map((e) => e.seq));
    const until = await get({ until: recorded.time });
    assert.deepEqual([seqs(until).length, until.at(-1).seq], [recorded.seq, recorded.seq]);
    assert.deepEqual(seqs(await get({ since: "seq:3", until: "seq:5" })), [3, 4, 5]);
    assert.equal((await call("GET", `/jetswarm/events?${q({ filters: f({ colour: ["red"] }) })}`)).status, 400);
  });

  it("events long-poll: wait= returns as soon as an event is appended, and empty when none comes", async () => {
    const head = await store.headSeq();
    const t0 = Date.now();
    const empty = await ok("GET", `/jetswarm/events?${q({ since: `seq:${head + 1}`, wait: "1s" })}`);
    assert.deepEqual([empty.events, empty.head], [[], head]);
    assert.ok(Date.now() - t0 >= 900, "it waited");
    const waiting = ok("GET", `/jetswarm/events?${q({ since: `seq:${head + 1}`, wait: "20s" })}`);
    await ok("POST", "/swarm/update", { TaskHistoryRetentionLimit: 4 });
    const page = await waiting;
    assert.deepEqual(page.events.map((e: any) => [e.seq, e.type]), [[head + 1, "ClusterUpdated"]]);
    assert.ok(Date.now() - t0 < 10_000, "it returned when the event came, not at the wait's end");
    recorded.head = head + 1;
  });

  it("verify: the real log is legal and its chain is sealed", async () => {
    const r = await ok("POST", "/jetswarm/audit/verify");
    assert.equal(r.ok, true, JSON.stringify(r.bad));
    assert.deepEqual([r.stream, r.head, r.checked], [STREAMS.events, recorded.head, recorded.head]);
    const again = await ok("POST", "/jetswarm/audit/verify");
    assert.deepEqual([again.ok, again.hash, again.checkpoints], [true, r.hash, 1]);
    const cli = await swarm("audit", "verify");
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^ok: EVENTS has ${recorded.head} events, all legal; chain ${r.hash.slice(0, 12)} matches 1 checkpoint\\(s\\); sealed at seq ${recorded.head}\\n$`));
  });
});

/** The log as stored, to be copied with changes into scratch streams. */
async function original(): Promise<RawMsg[]> {
  const out: RawMsg[] = [];
  await readRange(nc, STREAMS.events, 1, await store.headSeq(), (m) => { out.push(m); });
  return out;
}
type Edit = (m: RawMsg, e: any) => RawMsg | undefined;
/** A scratch stream `name` with subjects `<name>.swarm.evt.>`, holding the log through `edit` (undefined drops a message). */
async function scratch(name: string, msgs: RawMsg[], edit: Edit = (m) => m): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(name).catch(() => undefined);
  await jsm.streams.add({ name, subjects: [`${name.toLowerCase()}.swarm.evt.>`] });
  const js = jetstream(nc);
  for (const m of msgs) {
    const out = edit(m, JSON.parse(new TextDecoder().decode(m.data)));
    if (out) await js.publish(`${name.toLowerCase()}.${out.subject}`, out.data);
  }
}
const withData = (m: RawMsg, e: any): RawMsg => ({ ...m, data: new TextEncoder().encode(JSON.stringify(e)) });
const verify = async (stream: string) => ok("POST", `/jetswarm/audit/verify?${q({ stream })}`);

describe("audit verify detects an altered log (scratch streams)", () => {
  it("a faithful copy verifies, with the same chain as the original", async () => {
    const msgs = await original();
    await scratch("AUDIT_SCRATCH", msgs);
    const [copy, real] = [await verify("AUDIT_SCRATCH"), await verify(STREAMS.events)];
    assert.equal(copy.ok, true, JSON.stringify(copy.bad));
    assert.equal(copy.hash, real.hash);
  });

  it("a payload that no longer parses: the first bad event is named, and the CLI exits 1 with it", async () => {
    const msgs = await original();
    const k = msgs.find((m) => m.subject.startsWith("swarm.evt.task."))!.seq;
    await scratch("AUDIT_SCRATCH_SCHEMA", msgs, (m, e) => (m.seq === k ? withData(m, { ...e, data: { ...e.data, taskId: 42 } }) : m));
    const r = await verify("AUDIT_SCRATCH_SCHEMA");
    assert.equal(r.ok, false);
    assert.equal(r.bad.seq, k);
    assert.match(r.bad.reason, /^does not match its schema: .*taskId/);
    const cli = await swarm("audit", "verify", "--stream", "AUDIT_SCRATCH_SCHEMA");
    assert.equal(cli.code, 1);
    assert.equal(cli.stderr, `Error: first bad event: seq ${k} (${r.bad.subject}): ${r.bad.reason}\n`);
    assert.equal(cli.stdout, "");
  });

  it("a task state rewritten backwards", async () => {
    const msgs = await original();
    // (This test plays the dispatcher with singular TaskStatusChanged events on the task's subject.)
    const k = msgs.findLast((m) => m.subject.startsWith("swarm.evt.task.") && /"state":"shutdown"/.test(new TextDecoder().decode(m.data)))!.seq;
    await scratch("AUDIT_SCRATCH_BACK", msgs, (m, e) => (m.seq === k ? withData(m, { ...e, data: { ...e.data, state: "pending" } }) : m));
    const r = await verify("AUDIT_SCRATCH_BACK");
    assert.equal(r.bad?.seq, k);
    assert.match(r.bad.reason, /state moves backwards: running → pending$/);
  });

  it("an event with the wrong producer", async () => {
    const msgs = await original();
    const k = msgs.find((m) => /"type":"TasksAssigned"/.test(new TextDecoder().decode(m.data)))!.seq;
    await scratch("AUDIT_SCRATCH_PRODUCER", msgs, (m, e) => (m.seq === k ? withData(m, { ...e, actor: { kind: "service", id: "orchestrator-audit" } }) : m));
    const r = await verify("AUDIT_SCRATCH_PRODUCER");
    assert.deepEqual([r.bad?.seq, r.bad?.reason.startsWith("TasksAssigned is produced by the scheduler")], [k, true], r.bad?.reason);
  });

  it("an event removed: a gap in the sequence, or a later event about a task never created", async () => {
    const msgs = await original();
    await scratch("AUDIT_SCRATCH_GAP", msgs);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.deleteMessage("AUDIT_SCRATCH_GAP", 7);
    assert.deepEqual((await verify("AUDIT_SCRATCH_GAP")).bad, { seq: 7, subject: "", reason: "event seq 7 is missing from the stream" });
    // Times over a stream with holes: the search skips missing sequences.
    const n = msgs.length;
    for (let seq = 8; seq < n - 1; seq++) await jsm.streams.deleteMessage("AUDIT_SCRATCH_GAP", seq);
    const lastTime = (await jsm.streams.getMessage("AUDIT_SCRATCH_GAP", { seq: n }))!.time;
    assert.equal(await seqAtTime(nc, "AUDIT_SCRATCH_GAP", new Date(0)), 1);
    assert.equal(await seqAtTime(nc, "AUDIT_SCRATCH_GAP", new Date(lastTime.getTime() + 1)), n + 1);
    // (store times are compared by the millisecond: earlier messages may share the last one's.)
    const found = await seqAtTime(nc, "AUDIT_SCRATCH_GAP", lastTime);
    assert.ok(found <= 6 || found >= n - 1, `${found} is a sequence that exists`);
    assert.ok((await jsm.streams.getMessage("AUDIT_SCRATCH_GAP", { seq: found }))!.time.getTime() >= lastTime.getTime());
    const holes = await ok("GET", `/jetswarm/events?${q({ stream: "AUDIT_SCRATCH_GAP", since: "seq:5" })}`);
    assert.deepEqual([...new Set(holes.events.map((e: any) => e.seq))], [5, 6, n - 1, n]);
    const state = await ok("GET", `/jetswarm/audit/state?${q({ stream: "AUDIT_SCRATCH_GAP", at: `seq:${n - 3}` })}`);
    assert.equal(state.seq, n - 3, "a bound on a missing sequence ends the read at the stream's next message");
    const k = msgs.find((m) => /"type":"TasksCreated"/.test(new TextDecoder().decode(m.data)))!;
    const dropped = (JSON.parse(new TextDecoder().decode(k.data)).data.tasks as { taskId: string }[]).map((t) => t.taskId);
    await scratch("AUDIT_SCRATCH_DROP", msgs, (m) => (m.seq === k.seq ? undefined : m));
    const r = await verify("AUDIT_SCRATCH_DROP");
    const named = /^Task[A-Za-z]+ for task (\S+), which was never created$/.exec(r.bad?.reason ?? "");
    assert.ok(named && dropped.includes(named[1]!), `the first later event of a task whose creation was removed: ${JSON.stringify(r.bad)}`);
  });

  it("a legal-looking alteration before a sealed checkpoint is caught by the chain; appends after it are fine", async () => {
    const msgs = await original();
    await scratch("AUDIT_SCRATCH_SEALED", msgs);
    const seal = await ok("POST", `/jetswarm/audit/seal?${q({ stream: "AUDIT_SCRATCH_SEALED" })}`);
    assert.equal(seal.seq, msgs.length);
    // Later: the same stream, rebuilt with one event's message changed (still legal on its own).
    const k = msgs.find((m) => /"type":"NodeStatusChanged"/.test(new TextDecoder().decode(m.data)))!.seq;
    await scratch("AUDIT_SCRATCH_SEALED", msgs, (m, e) => (m.seq === k ? withData(m, { ...e, data: { ...e.data, message: "edited" } }) : m));
    const r = await verify("AUDIT_SCRATCH_SEALED");
    assert.equal(r.ok, false);
    assert.equal(r.bad.seq, msgs.length);
    assert.equal(r.bad.reason, `hash chain differs from the checkpoint sealed at seq ${msgs.length}: an event in seq 1..${msgs.length} was altered`);
    const cli = await swarm("audit", "verify", "--stream", "AUDIT_SCRATCH_SEALED");
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /^Error: first bad event: seq \d+ \(swarm\.evt\.[a-z]+\.[0-9a-z]+\): hash chain differs from the checkpoint/);

    // Rebuilt faithfully plus new events after the checkpoint: ok.
    await scratch("AUDIT_SCRATCH_SEALED", msgs);
    const js = jetstream(nc);
    const last = msgs.at(-1)!;
    const e = JSON.parse(new TextDecoder().decode(last.data));
    await js.publish(`audit_scratch_sealed.${last.subject}`, JSON.stringify({ ...e, id: "later", data: { ...e.data, TaskHistoryRetentionLimit: undefined, taskHistoryLimit: 3 } }));
    const later = await verify("AUDIT_SCRATCH_SEALED");
    assert.equal(later.ok, true, JSON.stringify(later.bad));
    assert.equal(later.head, msgs.length + 1);

    // Rebuilt shorter than the checkpoint: events were removed.
    await scratch("AUDIT_SCRATCH_SEALED", msgs.slice(0, -3));
    const short = await verify("AUDIT_SCRATCH_SEALED");
    assert.match(short.bad?.reason ?? "", /a checkpoint was sealed at seq \d+ but the stream ends at \d+: events were removed/);
  });
});

describe("swarm events and swarm audit (compiled CLI)", () => {
  it("events prints one line per event: time, type, summary, actor; --format json one object per line", async () => {
    const r = await swarm("events", "--since", "seq:1", "--until", "seq:5");
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z ClusterInitialized cluster [0-9a-z]{12} initialized by user local$/);
    // Swarm creates the ingress network with the cluster.
    assert.match(lines[1]!, /^\S+ NetworkCreated network ingress \([0-9a-z]{12}\) created \(ingress\) by user local$/);
    assert.match(lines[3]!, /^\S+ NodeRegistered node n1 registered from 127\.0\.0\.1 \(host-1\) by node [0-9a-z]{12}$/);
    const j = await swarm("events", "--filter", "type=ServiceCreated", "--format", "json");
    const objs = j.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(objs.map((o) => [o.type, o.object.kind, o.actor.id, o.summary]), [["ServiceCreated", "service", "local", "service web (2 replicas, img:1)"]]);
    const bad = await swarm("events", "--filter", "colour=red");
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Error: --filter: unknown key "colour"/);
  });

  it("events --follow prints new events as they are appended, until interrupted", async () => {
    const child = execFile(process.execPath, [join(projectRoot(), "dist/cli/main.js"), "--host", api.url, "events", "--follow", "--format", "json",
      "--filter", "type=ClusterUpdated"]);
    let out = "";
    let err = "";
    child.stdout!.on("data", (d: Buffer) => { out += d.toString(); });
    child.stderr!.on("data", (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 130 : null))));
    try {
      // From now on: nothing already in the log is printed. Append until the CLI (starting up) shows one.
      const before = await store.headSeq();
      let limit = 6;
      await eventually(async () => {
        await ok("POST", "/swarm/update", { TaskHistoryRetentionLimit: limit++ });
        return out.includes("\n");
      }, { what: "a followed event", timeoutMs: 30_000, intervalMs: 300 });
      assert.ok(out.trimEnd().split("\n").every((l) => JSON.parse(l).seq > before), "only events appended after it started");
      const third = await store.headSeq();
      await ok("POST", "/swarm/update", { TaskHistoryRetentionLimit: 5 });
      await eventually(() => out.includes(`"seq":${third + 1},`), { what: "an event appended while following", timeoutMs: 30_000 });
      assert.ok(out.trimEnd().split("\n").every((l) => JSON.parse(l).type === "ClusterUpdated"));
      assert.equal(child.exitCode, null, "still following");
    } finally {
      child.kill("SIGINT");
    }
    assert.notEqual(await exited, 0);
    recorded.head = await store.headSeq();
  });

  it("audit state prints service ls, service ps and node ls as they were", async () => {
    const r = await swarm("audit", "state", "--at", `seq:${recorded.seq}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^# state at seq ${recorded.seq} \\(\\S+\\)\\n\\n\\$ swarm service ls\\nID +NAME +MODE +REPLICAS +IMAGE +PORTS\\n[0-9a-z]{12} +web +replicated +2/2 +img:1 *\\n`));
    const ps = r.stdout.split("$ swarm service ps\n")[1]!.split("\n\n")[0]!.split("\n");
    assert.equal(ps.length, 3);
    // NODE as docker's id resolver shows it (and service ps prints it): the node's name, n1, before its hostname.
    assert.match(ps[1]!, /^[0-9a-z]{12} +web\.1 +img:1 +n1 +Running +Running .* ago/);
    assert.match(r.stdout, /\$ swarm node ls\nID +HOSTNAME +STATUS +AVAILABILITY +MANAGER STATUS +ENGINE VERSION\n[0-9a-z]{25} +host-1 +Ready +Active +Leader +27\.0\n$/);
  });
});
