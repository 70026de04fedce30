import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { jetstream } from "@nats-io/jetstream";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { subjects } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";

/*
 * The rolling-upgrade policy against a real nats-server: an event this build cannot read (a type
 * it does not know, a newer version of a type) stops the projection at that event, naming it —
 * never skipped, never folded past.
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
const log = createLogger("informer-upgrade-test", "silent");
const informers: Informer[] = [];

const joined = (n: string, extra: Record<string, unknown> = {}) => JSON.stringify({
  id: `j-${n}-${Math.random()}`, type: "NodeJoined", subject: subjects.event("node", n), at: new Date().toISOString(),
  actor: { kind: "user", id: "test" }, data: { nodeId: n, name: n, role: "worker", availability: "active" }, ...extra,
});
const volume = JSON.stringify({
  id: "vol-1", type: "VolumeCreated", subject: "swarm.evt.volume.x", at: new Date().toISOString(),
  actor: { kind: "user", id: "test" }, data: { volumeId: "x", name: "x" },
});

async function publish(subject: string, body: string): Promise<number> {
  return (await jetstream(nc).publish(subject, body)).seq;
}
function informer(): Informer {
  const i = new Informer(new JetStreamEventStore(nc), { log, syncTimeoutMs: 20_000 });
  informers.push(i);
  return i;
}

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "informer-upgrade-test" });
  await ensureStreams(nc);
});
after(async () => {
  for (const i of informers) await i.stop().catch(() => undefined);
  await nc?.drain();
  await nats?.cleanup();
});

describe("informer: events this build cannot read", () => {
  it("an event written without a version (an older log) is read as version 1", async () => {
    const seq = await publish(subjects.event("node", "n0"), joined("n0"));
    const i = informer();
    await i.start();
    assert.equal(i.seq, seq);
    assert.ok(i.state.nodes.has("n0"));
  });

  it("a newer version of a known type stops a following projection there: later events are not folded, waitFor fails naming it", async () => {
    const i = informer();
    await i.start();
    const bad = await publish(subjects.event("node", "n1"), joined("n1", { v: 2 }));
    const later = await publish(subjects.event("node", "n2"), joined("n2"));
    await assert.rejects(i.waitFor(later, 20_000), new RegExp(`seq ${bad} \\(NodeJoined on swarm\\.evt\\.node\\.n1\\): NodeJoined version 2 is newer than this build reads \\(1\\)`));
    assert.equal(i.seq, bad - 1, "folded up to the event before");
    assert.ok(!i.state.nodes.has("n1") && !i.state.nodes.has("n2"));
    assert.match(i.failed?.message ?? "", /upgrade it/);
  });

  it("an unknown type stops a starting projection: start() fails naming the event", async () => {
    // A log of its own, whose first unreadable event is a volume's (a type this build does not know).
    for (const i of informers.splice(0)) await i.stop();
    await nc.drain();
    await nats.cleanup();
    nats = await testNats();
    nc = await connectNats({ url: nats.url, name: "informer-upgrade-test-2" });
    await ensureStreams(nc);
    const first = await publish(subjects.event("node", "n3"), joined("n3"));
    const bad = await publish("swarm.evt.volume.x", volume);
    await publish(subjects.event("node", "n4"), joined("n4"));
    const i = informer();
    await assert.rejects(i.start(), new RegExp(`seq ${bad} \\(VolumeCreated on swarm\\.evt\\.volume\\.x\\): unknown event type VolumeCreated`));
    assert.equal(i.seq, first);
    assert.ok(i.state.nodes.has("n3") && !i.state.nodes.has("n4"));
  });
});
