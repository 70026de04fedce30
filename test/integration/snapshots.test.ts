import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { Kvm, type KV } from "@nats-io/kv";
import { type NatsConnection } from "../../services/shared/nats/index.js";
import { deleteAllSnapshots, Informer, SnapshotStore, type InformerOptions } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { jetstreamManager } from "@nats-io/jetstream";
import { BUCKETS, STREAMS } from "../../schemas/index.js";
import { initialClusterState, parseSnapshotState, toSnapshotState } from "../../services/shared/model/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";
import { emitter, type Emit } from "../helpers/emit.js";
import { canonicalState } from "../helpers/state.js";

/*
 * Snapshots against a real nats-server: an informer started from a snapshot reaches the same state
 * as one replayed from sequence 1; a corrupt, foreign or unparseable snapshot is ignored (replay
 * from the start); deleting every snapshot changes only where replay starts.
 */

let fx: LogFixture | undefined;
let nc: NatsConnection;
let store: JetStreamEventStore;
let view: Informer;
let emit: Emit;
let kv: KV;
const informers: Informer[] = [];
const log = createLogger("snapshots-test", "silent");

/** Small chunks so a snapshot spans several KV values. */
const snapshotStore = (writer: string) => SnapshotStore.open(nc, { writer, chunkBytes: 2048, log });

async function informer(opts: InformerOptions = {}): Promise<Informer> {
  const i = new Informer(store, { log, ...opts });
  informers.push(i);
  await i.start();
  await i.waitFor(await store.headSeq());
  return i;
}
/** A projection replayed from sequence 1, with no snapshot store at all. */
const fromScratch = () => informer();

async function appendTasks(from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    const taskId = `t${n}`;
    await emit("TaskCreated", "task", taskId, {
      taskId, serviceId: "s1", serviceName: "web", slot: n + 1, spec: { ContainerSpec: { Image: "img" } },
      specVersion: 1, desiredState: "running", state: "pending",
    });
    await emit("TaskAssigned", "task", taskId, { taskId, nodeId: n % 2 ? "n1" : "n2" });
    if (n % 3 === 0) await emit("TaskStatusChanged", "task", taskId, { taskId, state: "running", message: "started", timestamp: new Date().toISOString() });
    if (n % 7 === 0) await emit("TaskDeleted", "task", taskId, { taskId });
  }
}

/** Snapshot generations present in the bucket (chunk keys `cluster.<gen>.<i>`). */
async function generations(): Promise<Set<string>> {
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  return new Set(keys.filter((k) => k !== "cluster").map((k) => k.split(".")[1]!));
}

before(async () => {
  fx = await logFixture("snapshots-test");
  ({ nc, store, view } = fx);
  emit = emitter(store, view);
  await emit("ClusterInitialized", "cluster", "c1", { clusterId: "c1", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 });
  for (const n of ["n1", "n2"]) {
    await emit("NodeJoined", "node", n, { nodeId: n, name: n, role: "worker", availability: "active" });
    await emit("NodeStatusChanged", "node", n, { nodeId: n, state: "ready", message: "" });
  }
  await emit("ServiceCreated", "service", "s1", { serviceId: "s1", spec: { Name: "web", TaskTemplate: { ContainerSpec: { Image: "img" } } } });
  await appendTasks(0, 150);
  kv = await new Kvm(nc).open(BUCKETS.snapshots).catch(async () => (await snapshotStore("setup"), new Kvm(nc).open(BUCKETS.snapshots)));
});
after(async () => {
  for (const i of informers) await i.stop();
  await fx?.stop();
});

describe("projection snapshots against a real nats-server", () => {
  it("an informer started from a snapshot equals one replayed from the start", async () => {
    const writerStore = await snapshotStore("writer-1");
    const writer = await informer({ snapshots: writerStore, snapshotEvery: 100, snapshotMinIntervalMs: 0 });
    assert.equal(writer.startedFrom, 0, "no snapshot yet: replayed from the start");
    const head = await store.headSeq();
    const written = (await eventually(async () => { const m = await writerStore.latest(); return m && m.seq === head ? m : undefined; }, { what: "snapshot at the head" }))!;
    assert.equal(written.writer, "writer-1");
    assert.ok(written.chunks > 1, `several chunks (${written.chunks})`);

    await appendTasks(150, 170); // events after the snapshot
    const restored = await informer({ snapshots: await snapshotStore("reader-1") });
    assert.equal(restored.startedFrom, written.seq, "started from the snapshot");
    assert.ok(restored.seq > written.seq, "then replayed what followed");
    const scratch = await fromScratch();
    assert.equal(restored.seq, scratch.seq);
    assert.deepEqual(canonicalState(restored.state), canonicalState(scratch.state));
    await eventually(() => writer.seq === scratch.seq, { what: "the live writer caught up" });
    assert.deepEqual(canonicalState(writer.state), canonicalState(scratch.state), "following live gives the same state too");
  });

  it("a corrupt, foreign-log or unparseable snapshot is ignored: replay from the start, same state", async () => {
    const s = await snapshotStore("reader-2");
    const good = (await s.latest())!;
    const manifest = JSON.parse((await kv.get("cluster"))!.string()) as Record<string, unknown>;
    const scratch = await fromScratch();
    const body = gzipSync(JSON.stringify({ seq: good.seq, tasks: "not a list" }));
    const cases: [string, () => Promise<void>][] = [
      ["a chunk's bytes garbled", async () => { await kv.put(`cluster.${good.gen}.1`, new TextEncoder().encode("garbage")); }],
      ["another format version", async () => { await kv.put("cluster", JSON.stringify({ ...manifest, format: 99 })); }],
      ["the event at its sequence is another one", async () => { await kv.put("cluster", JSON.stringify({ ...manifest, lastEventId: "other-log" })); }],
      ["a well-formed body whose state fails to parse", async () => {
        await kv.put(`cluster.${good.gen}.0`, body);
        await kv.put("cluster", JSON.stringify({ ...manifest, chunks: 1, bytes: body.length, sha256: createHash("sha256").update(body).digest("hex") }));
      }],
      ["a manifest that is not JSON", async () => { await kv.put("cluster", "{"); }],
    ];
    for (const [what, corrupt] of cases) {
      await corrupt();
      const i = await informer({ snapshots: s });
      assert.equal(i.startedFrom, 0, `${what}: ignored`);
      assert.equal(i.seq, scratch.seq, what);
      assert.deepEqual(canonicalState(i.state), canonicalState(scratch.state), what);
    }
  });

  it("deleting every snapshot changes only where replay starts", async () => {
    const writerStore = await snapshotStore("writer-2");
    await deleteAllSnapshots(nc);
    assert.equal(await writerStore.latest(), undefined);
    const cold = await informer({ snapshots: writerStore, snapshotEvery: 100, snapshotMinIntervalMs: 0 });
    assert.equal(cold.startedFrom, 0);
    const scratch = await fromScratch();
    assert.deepEqual(canonicalState(cold.state), canonicalState(scratch.state));

    // The cold start wrote a fresh snapshot; the next start uses it, to the same state.
    const head = await store.headSeq();
    await eventually(async () => (await writerStore.latest())?.seq === head, { what: "a new snapshot" });
    const warm = await informer({ snapshots: await snapshotStore("reader-3") });
    assert.equal(warm.startedFrom, head);
    assert.deepEqual(canonicalState(warm.state), canonicalState(scratch.state));
    const gens = await generations();
    assert.ok(gens.size <= 2, `old generations purged (${[...gens].join(", ")})`);
  });

  it("two writers at once: one snapshot wins (compare-and-set), the loser's chunks are purged", async () => {
    const opts = { snapshotEvery: 50, snapshotMinIntervalMs: 0, snapshotJitterMs: 0 };
    const w1 = await informer({ snapshots: await snapshotStore("writer-a"), ...opts });
    const w2 = await informer({ snapshots: await snapshotStore("writer-b"), ...opts });
    const s = await snapshotStore("reader-4");
    const before = (await s.latest())?.seq ?? 0;
    await appendTasks(170, 200); // > 50 events: both cross the threshold on the same event
    const head = await store.headSeq();
    await eventually(() => w1.seq === head && w2.seq === head, { what: "both writers at the head" });
    const m = (await eventually(async () => { const x = await s.latest(); return x && x.seq > before ? x : undefined; }, { what: "a newer snapshot" }))!;
    assert.ok(m.writer === "writer-a" || m.writer === "writer-b", m.writer);
    await eventually(async () => (await generations()).size <= 2, { what: "at most two generations kept" });
    const warm = await informer({ snapshots: s });
    assert.equal(warm.startedFrom, (await s.latest())!.seq);
    assert.deepEqual(canonicalState(warm.state), canonicalState((await fromScratch()).state));
  });

  it("a slice written by another fold is refolded from the log; the other slices are restored from the snapshot", async () => {
    const s = await snapshotStore("writer-slices");
    await deleteAllSnapshots(nc);
    const scratch = await fromScratch();
    // A crafted snapshot at the head: a service the log never had (only a restore can bring it back), and no tasks.
    const crafted = parseSnapshotState(JSON.parse(JSON.stringify(toSnapshotState(scratch.state))))!;
    crafted.services.set("marker", { ...crafted.services.get("s1")!, id: "marker" });
    crafted.tasks.clear();
    crafted.tasksByService.clear();
    crafted.createdPerSlot.clear();
    const jsm = await jetstreamManager(nc);
    const lastEventId = ((await jsm.streams.getMessage(STREAMS.events, { seq: crafted.seq }))!.json() as { id: string }).id;
    assert.ok(await s.save(() => ({ state: crafted, lastEventId })));
    const manifest = JSON.parse((await kv.get("cluster"))!.string()) as { slices: Record<string, string> };
    await kv.put("cluster", JSON.stringify({ ...manifest, slices: { ...manifest.slices, task: "0000000000000000" } }));

    const i = await informer({ snapshots: s });
    assert.equal(i.startedFrom, crafted.seq, "started from the snapshot");
    assert.ok(i.state.services.has("marker"), "the service slice was restored, not replayed");
    const tasksOf = (st: typeof crafted) => canonicalState({ ...initialClusterState(), tasks: st.tasks, tasksByService: st.tasksByService, createdPerSlot: st.createdPerSlot });
    assert.ok(i.state.tasks.size > 0);
    assert.deepEqual(tasksOf(i.state), tasksOf(scratch.state), "the task slice was refolded from the log");
  });
});

