import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { tasksOfService, type EventStore } from "../../services/shared/model/index.js";
import {     type NodeAvailability } from "../../schemas/index.js";
import { start as startOrchestrator } from "../../services/orchestrator/index.js";
import { start as startScheduler } from "../../services/scheduler/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";
import { emitter, type Emit } from "../helpers/emit.js";

/* Global services follow nodes: orchestrator + scheduler against a real nats-server. */

const log = createLogger("test", "silent");
let fx: LogFixture | undefined;
let nc: NatsConnection;
let store: EventStore;
let view: Informer;
const services: { stop(): Promise<void> }[] = [];

let emitOnce: Emit | undefined;
const emit: Emit = (type, kind, id, data) => (emitOnce ??= emitter(store, view))(type, kind, id, data);
async function nodeUp(id: string, labels: Record<string, string> = {}): Promise<void> {
  await emit("NodeJoined", "node", id, { nodeId: id, name: id, role: "worker", availability: "active" });
  if (Object.keys(labels).length > 0) await setNode(id, "active", labels);
  await emit("NodeStatusChanged", "node", id, { nodeId: id, state: "ready", message: "" });
}
const setNode = (id: string, availability: NodeAvailability, labels: Record<string, string> = {}) =>
  emit("NodeUpdated", "node", id, { nodeId: id, role: "worker", availability, labels });

/** `node:desired:state` of the service's tasks, sorted. */
const placement = (serviceId: string) =>
  tasksOfService(view.state, serviceId).map((t) => `${t.nodeId}:${t.desiredState}:${t.state}`).sort();
function placementIs(serviceId: string, want: string[], what: string): Promise<unknown> {
  return eventually(() => {
    const got = placement(serviceId);
    assert.deepEqual(got, want);
    return true;
  }, { what, timeoutMs: 20_000 });
}

before(async () => {
  fx = await logFixture("global-test");
  ({ nc, store, view } = fx);
  const deps = (instanceId: string) => ({ nc, store, log, instanceId });
  services.push(await startOrchestrator(deps("orchestrator-g"), { resyncMs: 300 }));
  services.push(await startScheduler(deps("scheduler-g"), { resyncMs: 300 }));
});
after(async () => {
  for (const s of services.splice(0)) await s.stop();
  await fx?.stop();
});

describe("global services", () => {
  it("one task per node, assigned to its node; follows nodes joining and draining", async () => {
    await nodeUp("n1");
    await nodeUp("n2");
    await emit("ServiceCreated", "service", "g1", { serviceId: "g1", spec: { Name: "agentd", Mode: { Global: {} }, TaskTemplate: { ContainerSpec: { Image: "busybox" } } } });
    await placementIs("g1", ["n1:running:assigned", "n2:running:assigned"], "a task assigned on each node");
    for (const t of tasksOfService(view.state, "g1")) assert.equal(t.slot, 0);

    await nodeUp("n3");
    await placementIs("g1", ["n1:running:assigned", "n2:running:assigned", "n3:running:assigned"], "the joining node gets one");

    await setNode("n2", "drain");
    await placementIs("g1", ["n1:running:assigned", "n2:shutdown:assigned", "n3:running:assigned"], "the drained node's task shut down");

    await setNode("n2", "active");
    await placementIs("g1", ["n1:running:assigned", "n2:running:assigned", "n2:shutdown:assigned", "n3:running:assigned"], "back to active: a new one");
  });

  it("honours constraints, and a preassigned task that cannot run says why, without the prefix", async () => {
    await nodeUp("z1", { zone: "a" });
    await emit("ServiceCreated", "service", "g2", {
      serviceId: "g2",
      spec: {
        Name: "zoned", Mode: { Global: {} },
        TaskTemplate: { ContainerSpec: { Image: "busybox" }, Placement: { Constraints: ["node.labels.zone==a"] }, Resources: { Reservations: { NanoCPUs: 1e9 } } } } });
    // z1 has no description (never registered): no resources to reserve.
    await eventually(() => {
      const [t] = tasksOfService(view.state, "g2");
      assert.equal(t?.nodeId, "z1");
      assert.equal(t?.state, "pending");
      assert.equal(t?.err, "insufficient resources on 1 node");
      return true;
    }, { what: "z1's task pending with the bare explanation", timeoutMs: 20_000 });
    assert.equal(tasksOfService(view.state, "g2").length, 1, "only the matching node gets a task");
  });
});
