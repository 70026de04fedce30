import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { readStreamRange as readRange, type RawMsg } from "../../services/api/shell/log-reader/index.js";
import { connectionFeed, pushRead, type Feed, type InboxMsg } from "../../services/api/shell/log-reader/index.js";
import { rawFeed } from "../../services/api/shell/log-reader/index.js";
import { testNats } from "../helpers/nats.js";

/*
 * The audit's stream reader against a real nats-server: in this thread and in its worker thread
 * (raw socket), every message of a range once and in order, the range's end, early stops, the
 * stream's end, deleted messages, a subject prefix, and deliveries lost on the way (resumed).
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
const STREAM = "READER";
const N = 3000;
/** ~1 KiB payloads, so that a worker's read spans several batches. */
const payload = (i: number) => JSON.stringify({ i, pad: "x".repeat(1000), uni: i % 7 === 0 ? "é—✓" : "" });

async function read(from: number, to: number, worker: boolean, stopAt?: number): Promise<RawMsg[]> {
  const out: RawMsg[] = [];
  await readRange(nc, STREAM, from, to, (m) => { out.push(m); return m.seq !== stopAt; }, "pre.", { worker });
  return out;
}

/** Every message of `from..to` that the stream holds, once, in order, as written. */
function assertRun(msgs: RawMsg[], from: number, to: number, missing: Set<number> = new Set()): void {
  const want = [];
  for (let s = from; s <= to; s++) if (!missing.has(s)) want.push(s);
  assert.deepEqual(msgs.map((m) => m.seq), want);
  for (const m of msgs) {
    const text = new TextDecoder().decode(m.data);
    assert.equal(text, payload(m.seq));
    assert.equal(m.text ?? text, text);
    assert.equal(m.subject, `swarm.evt.task.t${m.seq % 10}`);
    assert.ok(m.timeMs > Date.parse("2020-01-01") && m.timeMs <= Date.now());
  }
}

async function consumers(): Promise<number> {
  return (await (await jetstreamManager(nc)).streams.info(STREAM)).state.consumer_count;
}

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "stream-reader-test" });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: ["pre.swarm.evt.>"] });
  const js = jetstream(nc);
  // Half with a message id, so deliveries come with headers (HMSG) too.
  for (let i = 1; i <= N; i++) await js.publish(`pre.swarm.evt.task.t${i % 10}`, payload(i), i % 2 ? { msgID: `m${i}` } : {});
});
after(async () => {
  await nc?.close();
  await nats?.cleanup();
});

for (const worker of [false, true]) {
  describe(`readRange ${worker ? "in its worker thread" : "in this thread"}`, () => {
    it("reads a whole range once, in order, subjects without the prefix", async () => {
      assertRun(await read(1, N, worker), 1, N);
      assert.equal(await consumers(), 0);
    });
    it("stops at the end of the range, and starts where asked", async () => {
      assertRun(await read(1001, 2500, worker), 1001, 2500);
    });
    it("stops early when the callback says so, and removes its consumer", async () => {
      assertRun(await read(1, N, worker, 1234), 1, 1234);
      assert.equal(await consumers(), 0);
    });
    it("ends at the end of the stream, and reads nothing past it", async () => {
      assertRun(await read(2900, N + 500, worker), 2900, N);
      assert.deepEqual(await read(N + 1, N + 10, worker), []);
    });
    it("fails with the callback's error", async () => {
      await assert.rejects(
        readRange(nc, STREAM, 1, N, (m) => { if (m.seq === 2000) throw new Error("boom at 2000"); }, "", { worker }),
        /boom at 2000/,
      );
      assert.equal(await consumers(), 0);
    });
  });
}

describe("readRange over deleted messages", () => {
  it("skips them and ends when the rest of the range was deleted", async () => {
    const jsm = await jetstreamManager(nc);
    const gone = new Set([5, 6, 1500, 2996, 2997, 2998, 2999, 3000]);
    for (const s of gone) await jsm.streams.deleteMessage(STREAM, s, false);
    for (const worker of [false, true]) {
      const started = Date.now();
      assertRun(await read(1, N, worker), 1, N, gone);
      assertRun(await read(2990, N, worker), 2990, N, gone);
      assert.ok(Date.now() - started < 3000, "bounded: no waiting for messages that will not come");
    }
  });
});

/** A feed that loses the deliveries whose consumer sequence `drop` accepts (as a slow or cut connection would). */
function lossy(feed: Feed, drop: (cseq: number) => boolean): Feed {
  return {
    publish: (s) => feed.publish(s),
    listen: (subject, on, onError) => feed.listen(subject, (m: InboxMsg) => {
      const cseq = Number(m.reply?.startsWith("$JS.ACK.") ? m.reply.split(".").at(-3) : NaN);
      if (!drop(cseq)) on(m);
    }, onError),
  };
}

describe("pushRead when deliveries are lost", () => {
  for (const kind of ["connection", "raw socket"]) {
    it(`resumes after the last message it handed on (${kind}): nothing lost, nothing twice`, { timeout: 30_000 }, async () => {
      const base = kind === "connection" ? connectionFeed(nc) : await rawFeed(nc.getServer(), "lossy");
      try {
        const got: number[] = [];
        // The 100th and 101st deliveries of the first consumer, and the tail of the second (seen by its heartbeat).
        let consumer = 0;
        const feed = lossy(base, (cseq) => {
          if (cseq === 1) consumer++;
          return (consumer === 1 && (cseq === 100 || cseq === 101)) || (consumer === 2 && cseq >= 200);
        });
        await pushRead(nc, STREAM, 1, 1000, (m) => { got.push(m.seq); }, "", { feed });
        const want = Array.from({ length: 1000 }, (_, i) => i + 1).filter((s) => s !== 5 && s !== 6);
        assert.deepEqual(got, want);
      } finally {
        if ("close" in base) (base as { close(): void }).close();
      }
    });
  }
});
