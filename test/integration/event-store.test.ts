import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { JetStreamEventStore, MemoryEventStore } from "../../services/shared/eventlog/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { WrongLastSequenceError } from "../../services/shared/errors/index.js";
import { decideAndCommit } from "../../services/shared/reconcile/index.js";
import { plan, type EventStore } from "../../services/shared/model/index.js";
import { subjects, type Envelope } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";

const actor = { kind: "user", id: "test" } as const;
function created(id: string, name: string): Envelope {
  return {
    id: `evt-${id}`, type: "ServiceCreated", subject: subjects.event("service", id), at: new Date(0).toISOString(), actor,
    data: { serviceId: id, spec: { Name: name, TaskTemplate: { ContainerSpec: { Image: "img" } } } },
  };
}
function updated(id: string, name: string, replicas: number): Envelope {
  return {
    id: `upd-${id}-${replicas}`, type: "ServiceUpdated", subject: subjects.event("service", id), at: new Date(0).toISOString(), actor,
    data: { serviceId: id, spec: { Name: name, Mode: { Replicated: { Replicas: replicas } }, TaskTemplate: { ContainerSpec: { Image: "img" } } } },
  };
}

/** The same contract, run against the real JetStream adapter and the in-memory fake. */
function contract(name: string, make: () => Promise<EventStore>) {
  describe(`event store contract: ${name}`, () => {
    let store: EventStore;
    before(async () => { store = await make(); });

    it("appends a new aggregate only when it does not exist (expect 0)", async () => {
      const r = await store.append({ event: created("a1", "a"), expectedLastSubjectSeq: 0, msgId: "m-a1" });
      assert.ok(r.seq > 0);
      await assert.rejects(store.append({ event: created("a1", "a"), expectedLastSubjectSeq: 0, msgId: "m-a1-other" }), WrongLastSequenceError);
    });

    it("rejects an append that expected a stale version, accepts the current one", async () => {
      const first = await store.append({ event: created("b1", "b"), expectedLastSubjectSeq: 0, msgId: "m-b1" });
      const second = await store.append({ event: updated("b1", "b", 2), expectedLastSubjectSeq: first.seq, msgId: "m-b1-2" });
      await assert.rejects(
        store.append({ event: updated("b1", "b", 3), expectedLastSubjectSeq: first.seq, msgId: "m-b1-3" }),
        (err: unknown) => err instanceof WrongLastSequenceError && err.expected === first.seq,
      );
      const third = await store.append({ event: updated("b1", "b", 3), expectedLastSubjectSeq: second.seq, msgId: "m-b1-3" });
      assert.ok(third.seq > second.seq);
    });

    it("stores a duplicated message id once", async () => {
      const before = await store.headSeq();
      const r1 = await store.append({ event: created("c1", "c"), expectedLastSubjectSeq: 0, msgId: "m-c1" });
      const r2 = await store.append({ event: created("c1", "c"), expectedLastSubjectSeq: 0, msgId: "m-c1" });
      assert.equal(r2.duplicate, true);
      assert.equal(r2.seq, r1.seq);
      assert.equal(await store.headSeq(), before + 1);
    });

    it("retries a conflicting decision on fresh state, a bounded number of times", async () => {
      const informer = new Informer(store);
      await informer.start();
      const subject = subjects.event("service", "d1");
      await store.append({ event: created("d1", "d"), expectedLastSubjectSeq: 0, msgId: "m-d1" });
      // A decider that, on its first call, is handed a projection that has not yet seen d1's creation.
      let calls = 0;
      const seq = await decideAndCommit(store, informer, (state) => {
        calls++;
        const version = calls === 1 ? 0 : state.versions.get(subject) ?? 0;
        if (calls === 1 && version === 0) {
          return [plan("ServiceUpdated", "service", "d1", updated("d1", "d", 7).data as never, 0, "scale-7")];
        }
        const svc = state.services.get("d1");
        if (svc && "Replicated" in (svc.spec.Mode ?? {})) return [];
        return [plan("ServiceUpdated", "service", "d1", updated("d1", "d", 7).data as never, version, "scale-7")];
      }, () => ({ actor, now: new Date(0) }));
      assert.equal(calls, 2, "first decision conflicts; the second, on fresh state, is appended");
      assert.ok(seq > 0);
      const svc = informer.state.services.get("d1");
      assert.deepEqual(svc?.spec.Mode, { Replicated: { Replicas: 7 } });
      await informer.stop();
    });

    it("a projection rebuilt by replay equals the live one", async () => {
      const live = new Informer(store);
      await live.start();
      for (let i = 0; i < 20; i++) {
        await store.append({ event: created(`e${i}`, `e${i}`), expectedLastSubjectSeq: 0, msgId: `m-e${i}` });
      }
      const head = await store.headSeq();
      await eventually(() => live.seq === head, { what: "live projection to reach head" });
      const replayed = new Informer(store);
      await replayed.start();
      assert.equal(replayed.seq, live.seq);
      assert.deepEqual([...replayed.state.services.entries()], [...live.state.services.entries()]);
      assert.deepEqual([...replayed.state.versions.entries()], [...live.state.versions.entries()]);
      await live.stop();
      await replayed.stop();
    });
  });
}

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "test" });
  await ensureStreams(nc);
});
after(async () => {
  await nc?.drain();
  await nats?.cleanup();
});

contract("JetStream", async () => new JetStreamEventStore(nc));
contract("in-memory fake", async () => new MemoryEventStore());

describe("EVENTS stream", () => {
  it("is created idempotently, append-only (deny delete and purge)", async () => {
    const jsm = await ensureStreams(nc);
    await ensureStreams(nc);
    const info = await jsm.streams.info("EVENTS");
    assert.equal(info.config.deny_delete, true);
    assert.equal(info.config.deny_purge, true);
    assert.equal(info.config.storage, "file");
    await assert.rejects(jsm.streams.purge("EVENTS"));
  });
});
