import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { AckedPublisher, PublishError, connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { testNats } from "../helpers/nats.js";

/* The hot-path JetStream publisher (task docs, agent reports) against a real nats-server. */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "acked-publisher-test" });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "ACKED", subjects: ["acked.>"], duplicate_window: 60_000_000_000 });
});
after(async () => {
  await nc?.drain();
  await nats?.cleanup();
});

describe("AckedPublisher", () => {
  it("resolves with the stream's ack, in order; a repeated msg id is stored once", async () => {
    const pub = new AckedPublisher(nc);
    try {
      const acks = await Promise.all(["a", "b", "c"].map((x, i) => pub.publish(`acked.${x}`, `m${i}`)));
      assert.deepEqual(acks.map((a) => [a.stream, a.seq, a.duplicate]), [["ACKED", 1, false], ["ACKED", 2, false], ["ACKED", 3, false]]);
      const first = await pub.publish("acked.d", "x", "id-1");
      const again = await pub.publish("acked.d", "x", "id-1");
      assert.deepEqual([first.seq, first.duplicate, again.seq, again.duplicate], [4, false, 4, true]);
      const jsm = await jetstreamManager(nc);
      assert.equal((await jsm.streams.info("ACKED")).state.messages, 4);
      assert.equal((await jsm.streams.getMessage("ACKED", { seq: 2 }))?.string(), "m1");
    } finally {
      pub.close();
    }
  });

  it("fails at once when no stream stores the subject, and on timeout when nothing acknowledges", async () => {
    const pub = new AckedPublisher(nc, 300);
    const silent = nc.subscribe("silent.>", { callback: () => undefined }); // a responder that never answers
    try {
      await assert.rejects(pub.publish("nostream.x", "x"), (e: unknown) => e instanceof PublishError && e.kind === "no_stream" && /no stream stores nostream.x/.test(e.message));
      const t0 = Date.now();
      await assert.rejects(pub.publish("silent.x", "x"), (e: unknown) => e instanceof PublishError && e.kind === "timeout");
      assert.ok(Date.now() - t0 >= 250, "waited for the timeout");
    } finally {
      silent.unsubscribe();
      pub.close();
    }
  });

  it("close fails what is still waiting", async () => {
    const pub = new AckedPublisher(nc, 60_000);
    const silent = nc.subscribe("silent2.>", { callback: () => undefined });
    const pending = pub.publish("silent2.x", "x");
    pub.close();
    await assert.rejects(pending, /publisher closed/);
    silent.unsubscribe();
  });
});
