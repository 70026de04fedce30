import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type NatsConnection } from "../../services/shared/nats/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { subjects, type EventType } from "../../schemas/index.js";
import { start } from "../../services/scheduler/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";
import { emitter, type Emit } from "../helpers/emit.js";

let fx: LogFixture | undefined;
let nc: NatsConnection;
let store: JetStreamEventStore;
let view: Informer;
let scheduler: { stop(): Promise<void> };

/** Appends one event as its producer would (expecting the aggregate's current version). */
let emitOnce: Emit | undefined;
const emit: Emit = (type, kind, id, data) => (emitOnce ??= emitter(store, view))(type, kind, id, data);
function createTask(taskId: string, slot: number): Promise<void> {
  return emit("TaskCreated", "task", taskId, {
    taskId, serviceId: "svc1", serviceName: "web", slot, spec: { ContainerSpec: { Image: "img" } },
    specVersion: 1, desiredState: "running", state: "pending" });
}
async function joinReady(nodeId: string): Promise<void> {
  await emit("NodeJoined", "node", nodeId, { nodeId, name: nodeId, role: "worker", availability: "active" });
  await emit("NodeStatusChanged", "node", nodeId, { nodeId, state: "ready", message: "" });
}
const task = (id: string) => view.state.tasks.get(id);

before(async () => {
  fx = await logFixture("scheduler-test");
  ({ nc, store, view } = fx);
  scheduler = await start({ nc, store, log: createLogger("test", "silent"), instanceId: "scheduler-test" }, { debounceMs: 10 });
});
after(async () => {
  await scheduler?.stop();
  await fx?.stop();
});

describe("scheduler against a real nats-server", () => {
  it("explains a task it cannot place, once, then places it when a node becomes ready", async () => {
    await createTask("t1", 1);
    await eventually(() => task("t1")?.err === "no suitable node", { what: "TaskUnschedulable", timeoutMs: 30_000 });
    await emit("NodeJoined", "node", "n1", { nodeId: "n1", name: "n1", role: "worker", availability: "active" });
    await eventually(() => task("t1")?.err === "no suitable node (1 node not available for new tasks)",
      { what: "explanation counting the unready node", timeoutMs: 30_000 });
    await emit("NodeStatusChanged", "node", "n1", { nodeId: "n1", state: "ready", message: "" });
    await eventually(() => task("t1")?.state === "assigned", { what: "TaskAssigned", timeoutMs: 30_000 });
    assert.equal(task("t1")?.nodeId, "n1");
    assert.equal(task("t1")?.err, undefined);
    const unschedulable = await countEvents("t1", "TaskUnschedulable");
    assert.equal(unschedulable, 2, "one event per distinct explanation, no flood");
  });

  it("assigns a new pending task to the least loaded ready node", async () => {
    await joinReady("n2");
    await createTask("t2", 2);
    await createTask("t3", 3);
    await eventually(() => task("t2")?.state === "assigned" && task("t3")?.state === "assigned", { what: "both assigned", timeoutMs: 30_000 });
    // n1 already runs t1 of the same service, so the first new task goes to n2.
    const nodes = [task("t2")?.nodeId, task("t3")?.nodeId].sort();
    assert.deepEqual(nodes, ["n1", "n2"]);
  });
});

/** Events of `type` on the task's subject, counted by replaying the log. */
async function countEvents(taskId: string, type: EventType): Promise<number> {
  let n = 0;
  const head = await store.headSeq();
  await new Promise<void>((resolve) => {
    const sub = store.subscribe(1, (e) => {
      if (e.event.type === type && e.event.subject === subjects.event("task", taskId)) n++;
      if (e.seq >= head) void sub.stop().then(resolve);
    });
  });
  return n;
}
