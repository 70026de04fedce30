import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { openLeaseKv } from "../../services/shared/instances/index.js";
import { ensureBucket } from "../../services/shared/nats/index.js";
import { STREAMS, subjects, type Envelope, type StoredEvent } from "../../schemas/index.js";
import { newStreamLeader, streamLeader, testNatsCluster } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";

const actor = { kind: "user", id: "test" } as const;
function created(id: string): Envelope {
  return {
    id: `evt-${id}`, type: "ServiceCreated", subject: subjects.event("service", id), at: new Date(0).toISOString(), actor,
    data: { serviceId: id, spec: { Name: id, TaskTemplate: { ContainerSpec: { Image: "img" } } } },
  };
}

describe("event store on a 3-server NATS cluster", () => {
  let cluster: Awaited<ReturnType<typeof testNatsCluster>>;
  let nc: NatsConnection;
  before(async () => {
    cluster = await testNatsCluster(3);
    nc = await connectNats({ url: cluster.url, name: "event-store-cluster-test" });
    await ensureStreams(nc, 3);
  });
  after(async () => {
    await nc?.close();
    await cluster?.cleanup();
  });

  it("creates every stream with 3 replicas, and buckets follow EVENTS when not told", async () => {
    const jsm = await jetstreamManager(nc);
    for (const name of Object.values(STREAMS)) assert.equal((await jsm.streams.info(name)).config.num_replicas, 3, name);
    await openLeaseKv(nc);
    await ensureBucket(nc, "swarm-test-bucket", { ttlMs: 0 });
    assert.equal((await jsm.streams.info("KV_swarm-leases")).config.num_replicas, 3);
    assert.equal((await jsm.streams.info("KV_swarm-test-bucket")).config.num_replicas, 3);
  });

  it("a repeated append (same msg id, same expectation) is a duplicate on an R3 stream", async () => {
    const store = new JetStreamEventStore(nc);
    const r1 = await store.append({ event: created("dup1"), expectedLastSubjectSeq: 0, msgId: "m-dup1" });
    const r2 = await store.append({ event: created("dup1"), expectedLastSubjectSeq: 0, msgId: "m-dup1" });
    assert.deepEqual(r2, { seq: r1.seq, duplicate: true });
  });

  it("loses no acknowledged append when the EVENTS leader is killed, and the old leader catches up", async () => {
    const store = new JetStreamEventStore(nc);
    const seen: StoredEvent[] = [];
    const sub = store.subscribe(1, (e) => seen.push(e));
    const acked = new Map<string, number>();
    let victim = -1;
    let killedAt = 0;
    let firstAckAfterKill = 0;
    for (let i = 0; i < 60; i++) {
      if (i === 20) {
        victim = await streamLeader(cluster, nc, STREAMS.events);
        cluster.servers[victim]!.process.kill("SIGKILL");
        killedAt = Date.now();
      }
      const id = `kill-${i}`;
      const r = await store.append({ event: created(id), expectedLastSubjectSeq: 0, msgId: `m-${id}` });
      if (i === 20) firstAckAfterKill = Date.now();
      acked.set(`evt-${id}`, r.seq);
    }
    assert.equal(acked.size, 60);
    await eventually(() => seen.filter((e) => acked.has(e.event.id)).length === 60, { timeoutMs: 60_000, what: "the subscription to deliver all 60" });
    const ids = seen.map((e) => e.event.id);
    assert.equal(new Set(ids).size, ids.length, "no event is delivered twice");
    for (const e of seen) if (acked.has(e.event.id)) assert.equal(e.seq, acked.get(e.event.id), e.event.id);
    // Asked until the cluster has elected (a request may time out meanwhile); fails after 30 s.
    const newLeader = await newStreamLeader(cluster, nc, STREAMS.events, victim);
    assert.notEqual(newLeader, victim);
    process.stderr.write(`# EVENTS leader ${victim} killed; first append after it acked in ${firstAckAfterKill - killedAt} ms\n`);

    await cluster.restart(victim);
    const jsm = await jetstreamManager(nc);
    const last = (await jsm.streams.info(STREAMS.events)).state.last_seq;
    await eventually(async () => {
      const info = await jsm.streams.info(STREAMS.events);
      const peer = info.cluster?.replicas?.find((r) => r.name === cluster.layout.members[victim]!.serverName);
      return peer !== undefined && peer.current && !peer.offline && (peer.lag ?? 0) === 0 && info.state.last_seq === last;
    }, { timeoutMs: 60_000, what: `${cluster.layout.members[victim]!.serverName} to catch up` });
    await sub.stop();
  });
});
