import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { Kvm } from "@nats-io/kv";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { SnapshotStore } from "../../services/shared/projection/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { readJoinTokens } from "../../services/api/shell/join-tokens.js";
import { BUCKETS } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Join tokens stay out of the shared projection: a snapshot written by a real api's informer (the
 * KV bucket every service reads) holds neither token, and an api started from that snapshot still
 * shows the tokens and lets nodes join with them (it reads them from the log).
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let store: JetStreamEventStore;
const apis: RunningApi[] = [];
const log = createLogger("api-tokens-test", "silent");

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

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "api-tokens-test" });
  await ensureStreams(nc);
  store = new JetStreamEventStore(nc);
});
after(async () => {
  for (const a of apis) await a.stop();
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

  it("the tokens are read from the log's ClusterInitialized (how an api started past it learns them)", async () => {
    assert.deepEqual(await readJoinTokens(nc), { worker: tokens.Worker, manager: tokens.Manager });
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
