import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { Kvm } from "@nats-io/kv";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { SnapshotStore } from "../../services/shared/projection/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { jetstreamManager } from "@nats-io/jetstream";
import { BUCKETS, joinTokenHash, STREAMS } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";
import { serveTestCa } from "../helpers/cluster-keys.js";

/*
 * Join tokens are in neither the log nor the shared projection: a snapshot written by a real api's
 * informer (the KV bucket every service reads) holds neither token, the log only their hashes, and
 * an api started from that snapshot still shows the tokens (the secret-store derives them) and lets
 * nodes join with them.
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let store: JetStreamEventStore;
const apis: RunningApi[] = [];
const log = createLogger("api-tokens-test", (process.env.TEST_LOG ?? "silent") as "silent");

async function startApi(writer: string): Promise<RunningApi> {
  const snapshots = await SnapshotStore.open(nc, { writer, log });
  const api = await start(
    { nc, store, log, instanceId: writer, projection: { snapshots, snapshotEvery: 1, snapshotMinIntervalMs: 0, snapshotJitterMs: 0 } },
    { listen: "127.0.0.1:0", insecureHttp: true },
  );
  apis.push(api);
  return api;
}

async function call(api: RunningApi, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(api.url + path, {
    method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The stored snapshot's body as text (manifest `cluster`, chunks `cluster.<gen>.<i>`, gzip). */
async function snapshotText(): Promise<{ seq: number; text: string }> {
  const kv = await new Kvm(nc).open(BUCKETS.snapshots);
  const m = JSON.parse((await kv.get("cluster"))!.string()) as { seq: number; gen: string; chunks: number };
  const parts: Uint8Array[] = [];
  for (let i = 0; i < m.chunks; i++) parts.push((await kv.get(`cluster.${m.gen}.${i}`))!.value);
  return { seq: m.seq, text: gunzipSync(Buffer.concat(parts)).toString("utf8") };
}

/** The secret-store's CA handlers the api asks for join tokens and certificates. */
let testCa: Awaited<ReturnType<typeof serveTestCa>> | undefined;

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "api-tokens-test" });
  await ensureStreams(nc);
  testCa = await serveTestCa(nc, new JetStreamEventStore(nc));
  store = new JetStreamEventStore(nc);
});
after(async () => {
  for (const a of apis) await a.stop();
  await testCa?.stop();
  await nc?.drain();
  await nats?.cleanup();
});

describe("join tokens and the shared projection", () => {
  let tokens: { Worker: string; Manager: string };
  let clusterId: string;

  it("a snapshot written by the api's informer holds the cluster but neither token", async () => {
    const a = await startApi("api-a");
    clusterId = (await call(a, "POST", "/swarm/init", { NodeName: "m1" })).body.ClusterID;
    const info = await call(a, "GET", "/swarm");
    assert.equal(info.status, 200);
    tokens = info.body.JoinTokens;
    assert.match(tokens.Worker, /^SWMTKN-1-/);
    assert.equal((await call(a, "POST", "/jetswarm/join", { JoinToken: tokens.Worker, NodeName: "w1" })).body.Role, "worker");
    const joined = await store.headSeq();
    // A write in flight when the join landed is not redone until the next event: poke with more joins.
    let pokes = 0;
    const snap = await eventually(async () => {
      const s = await snapshotText().catch(() => undefined);
      if (s && s.seq >= joined) return s;
      await call(a, "POST", "/jetswarm/join", { JoinToken: tokens.Worker, NodeName: `poke-${pokes++}` });
      return undefined;
    }, { what: "a snapshot covering the join" });
    assert.ok(snap!.text.includes(clusterId), "the snapshot has the cluster slice");
    assert.ok(snap!.text.includes("w1"), "and the nodes");
    assert.ok(!snap!.text.includes(tokens.Worker), "no worker token");
    assert.ok(!snap!.text.includes(tokens.Manager), "no manager token");
  });

  it("the log holds only the tokens' hashes, never a token", async () => {
    const jsm = await jetstreamManager(nc);
    const head = await store.headSeq();
    let text = "";
    for (let seq = 1; seq <= head; seq++) text += new TextDecoder().decode((await jsm.streams.getMessage(STREAMS.events, { seq }))!.data);
    assert.ok(text.includes(joinTokenHash(tokens.Worker)) && text.includes(joinTokenHash(tokens.Manager)), "the hashes are there");
    assert.ok(!text.includes(tokens.Worker) && !text.includes(tokens.Manager), "no token");
    assert.ok(!text.includes(tokens.Worker.slice(60)) && !text.includes(tokens.Manager.slice(60)), "not even a token's secret");
  });

  it("an api started from that snapshot shows the same tokens; they join, another token does not", async () => {
    const b = await startApi("api-b");
    const info = await call(b, "GET", "/swarm");
    assert.equal(info.status, 200);
    assert.deepEqual(info.body.JoinTokens, tokens);
    assert.equal(info.body.ID, clusterId);
    const m = await call(b, "POST", "/jetswarm/join", { JoinToken: tokens.Manager, NodeName: "m2" });
    assert.equal(m.status, 200);
    assert.equal(m.body.Role, "manager");
    const bad = await call(b, "POST", "/jetswarm/join", { JoinToken: `${tokens.Worker.slice(0, -1)}0`, NodeName: "x" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /A valid join token is necessary/);
  });
});
