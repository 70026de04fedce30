import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { type EventStore } from "../../services/shared/model/index.js";
import {     type TaskSpec } from "../../schemas/index.js";
import { start } from "../../services/scheduler/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";
import { emitter, type Emit } from "../helpers/emit.js";

/* The scheduler against a real nats-server: a pending task is placed once something lets it fit. */

const description = { hostname: "h", os: "linux", architecture: "x86_64", nanoCpus: 2e9, memoryBytes: 4e9, engineVersion: "28", engineLabels: {} };
let fx: LogFixture | undefined;
let nc: NatsConnection;
let store: EventStore;
let view: Informer;
let scheduler: { stop(): Promise<void> } | undefined;

let emitOnce: Emit | undefined;
const emit: Emit = (type, kind, id, data) => (emitOnce ??= emitter(store, view))(type, kind, id, data);
async function nodeUp(id: string): Promise<void> {
  await emit("NodeJoined", "node", id, { nodeId: id, name: id, role: "worker", availability: "active" });
  await emit("NodeRegistered", "node", id, { nodeId: id, description, addr: "10.0.0.1" });
  await emit("NodeStatusChanged", "node", id, { nodeId: id, state: "ready", message: "" });
}
const createTask = (taskId: string, slot: number, spec: TaskSpec) => emit("TaskCreated", "task", taskId, {
  taskId, serviceId: "s1", serviceName: "web", slot, spec, specVersion: 1, desiredState: "running", state: "pending" });
const task = (id: string) => view.state.tasks.get(id);
function expectTask(id: string, check: (t: NonNullable<ReturnType<typeof task>>) => void, what: string): Promise<unknown> {
  return eventually(() => { check(task(id)!); return true; }, { what, timeoutMs: 15_000 });
}

before(async () => {
  fx = await logFixture("scheduler-pipeline-test");
  ({ nc, store, view } = fx);
  scheduler = await start({ nc, store, log: createLogger("test", "silent"), instanceId: "scheduler-pipeline" }, { resyncMs: 60_000 });
});
after(async () => {
  await scheduler?.stop();
  await fx?.stop();
});

describe("scheduler: pending tasks are placed when something changes", () => {
  const big: TaskSpec = { ContainerSpec: { Image: "img" }, Resources: { Reservations: { NanoCPUs: 2e9 } } };

  it("a task that ends frees its node's resources", async () => {
    await nodeUp("n1");
    await createTask("a", 1, big);
    await expectTask("a", (t) => assert.equal(t.nodeId, "n1"), "a assigned");
    await createTask("b", 2, big);
    await expectTask("b", (t) => assert.equal(t.err, "no suitable node (insufficient resources on 1 node)"), "b explained");
    await emit("TaskStatusChanged", "task", "a", { taskId: "a", state: "failed", message: "failed", timestamp: new Date().toISOString() });
    await expectTask("b", (t) => { assert.equal(t.state, "assigned"); assert.equal(t.nodeId, "n1"); }, "b assigned once a ended");
  });

  it("a label change satisfies a constraint", async () => {
    await createTask("c", 3, { ContainerSpec: { Image: "img" }, Placement: { Constraints: ["node.labels.disk==ssd"] } });
    await expectTask("c", (t) => assert.equal(t.err, "no suitable node (scheduling constraints not satisfied on 1 node)"), "c explained");
    await emit("NodeUpdated", "node", "n1", { nodeId: "n1", role: "worker", availability: "active", labels: { disk: "ssd" } });
    await expectTask("c", (t) => assert.equal(t.state, "assigned"), "c assigned after the label change");
  });

  it("a node becoming ready", async () => {
    await createTask("d", 4, big);
    await expectTask("d", (t) => assert.equal(t.err, "no suitable node (insufficient resources on 1 node)"), "d explained");
    await emit("NodeJoined", "node", "n2", { nodeId: "n2", name: "n2", role: "worker", availability: "active" });
    await expectTask("d", (t) => assert.equal(t.err, "no suitable node (1 node not available for new tasks; insufficient resources on 1 node)"), "d explained over two nodes");
    await emit("NodeRegistered", "node", "n2", { nodeId: "n2", description, addr: "10.0.0.2" });
    await emit("NodeStatusChanged", "node", "n2", { nodeId: "n2", state: "ready", message: "" });
    await expectTask("d", (t) => assert.equal(t.nodeId, "n2"), "d assigned on the new node");
  });
});
