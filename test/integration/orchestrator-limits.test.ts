import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { tasksOfService, versionOf, type EventStore } from "../../services/shared/model/index.js";
import { subjects, type Envelope, type EventData, type EventType } from "../../schemas/index.js";
import { start, type RunningOrchestrator } from "../../services/orchestrator/index.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";

/*
 * An event the api would refuse today, already in the log (appended before the limit existed):
 * a service with 10⁹ replicas. The fold keeps it; the orchestrator holds that service (status
 * paused, saying why) instead of planning a billion tasks into an out-of-memory crash loop, and
 * keeps serving the others. A restart changes nothing; an update within the limits resumes it.
 */

const actor = { kind: "user", id: "test" } as const;
const log = createLogger("test", "silent");
let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let store: EventStore;
let observer: Informer;

async function append<T extends EventType>(type: T, serviceId: string, data: EventData<T>): Promise<void> {
  await observer.waitFor(await store.headSeq());
  const subject = subjects.event("service", serviceId);
  const expect = versionOf(observer.state, subject);
  const event = { id: `${type}-${serviceId}-${expect}`, type, subject, at: new Date().toISOString(), actor, data } as Envelope;
  await store.append({ event, expectedLastSubjectSeq: expect, msgId: event.id });
}
const spec = (name: string, replicas: number) =>
  ({ Name: name, Mode: { Replicated: { Replicas: replicas } }, TaskTemplate: { ContainerSpec: { Image: "busybox" } } });
const tasks = (serviceId: string) => tasksOfService(observer.state, serviceId);

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "orchestrator-limits-test" });
  await ensureStreams(nc);
  store = new JetStreamEventStore(nc);
  observer = new Informer(store);
  await observer.start();
});
after(async () => {
  await observer?.stop();
  await nc?.drain();
  await nats?.cleanup();
});

describe("orchestrator: an old event over a new limit", () => {
  it("holds the service with a reason, serves the others, survives a restart, resumes on update", async () => {
    await append("ServiceCreated", "huge", { serviceId: "huge", spec: spec("huge", 1e9) });
    await append("ServiceCreated", "fine", { serviceId: "fine", spec: spec("fine", 2) });
    let o: RunningOrchestrator = await start({ nc, store, log, instanceId: "orchestrator-a" }, { resyncMs: 300 });
    await eventually(() => tasks("fine").length === 2 && observer.state.services.get("huge")?.updateStatus !== undefined,
      { what: "the other service served and the huge one held" });
    assert.deepEqual(observer.state.services.get("huge")?.updateStatus?.state, "paused");
    assert.equal(observer.state.services.get("huge")?.updateStatus?.message,
      "service paused: 1000000000 replicas is over the limit of 10000 replicas per service; update the service to resume");
    assert.equal(tasks("huge").length, 0);

    // Restarted (its projection replays the same log): nothing new is appended for the held service.
    await o.stop();
    const head = await store.headSeq();
    o = await start({ nc, store, log, instanceId: "orchestrator-b" }, { resyncMs: 300 });
    await append("ServiceUpdated", "fine", { serviceId: "fine", spec: spec("fine", 3) });
    await eventually(() => tasks("fine").length === 3, { what: "the restarted orchestrator acts on the other service" });
    assert.equal(versionOf(observer.state, subjects.event("service", "huge")) < head, true, "no new event on the held service");
    assert.equal(tasks("huge").length, 0);

    await append("ServiceUpdated", "huge", { serviceId: "huge", spec: spec("huge", 2) });
    await eventually(() => tasks("huge").length === 2, { what: "the updated service's 2 tasks" });
    await o.stop();
  });
});
