import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { leaseHolders, LEASE_DEFAULTS } from "../../services/shared/instances/index.js";
import type { StoredEvent } from "../../schemas/index.js";
import { start } from "../../services/scheduler/index.js";
import { testNats } from "../helpers/nats.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";
import { emitter, type Emit } from "../helpers/emit.js";

/*
 * Two schedulers in-process, each on its own NATS connection (as two processes would be): one
 * active, one standby. A crash is simulated by closing the active one's connection — it can no
 * longer renew, and its lease key is left to expire, exactly as after kill -9.
 */

type Scheduler = Awaited<ReturnType<typeof start>>;
interface Instance { id: string; nc: NatsConnection; s: Scheduler; crashed?: boolean }

let nats: Awaited<ReturnType<typeof testNats>>;
let fx: LogFixture | undefined;
let nc: NatsConnection;
let store: JetStreamEventStore;
let view: Informer;
const instances: Instance[] = [];
const assigned: StoredEvent[] = [];
let emit: Emit;

async function startInstance(id: string): Promise<Instance> {
  const inc = await connectNats({ url: nats.url, name: id });
  const s = await start({ nc: inc, store: new JetStreamEventStore(inc), log: createLogger(id, "silent"), instanceId: id }, { debounceMs: 10 });
  const i = { id, nc: inc, s };
  instances.push(i);
  return i;
}
function createTask(taskId: string, slot: number): Promise<void> {
  return emit("TaskCreated", "task", taskId, {
    taskId, serviceId: "svc1", serviceName: "web", slot, spec: { ContainerSpec: { Image: "img" } },
    specVersion: 1, desiredState: "running", state: "pending" });
}
const actives = () => instances.filter((i) => !i.crashed && i.s.status().role === "active").map((i) => i.id);

before(async () => {
  fx = await logFixture("lease-test", { beforeStart: (view) => view.onEvent((e) => { if (e.event.type === "TaskAssigned") assigned.push(e); }) });
  ({ nats, nc, store, view } = fx);
  emit = emitter(store, view);
});
after(async () => {
  for (const i of instances) {
    await i.s.stop().catch(() => undefined);
    if (!i.nc.isClosed()) await i.nc.drain().catch(() => undefined);
  }
  await fx?.stop();
});

describe("scheduler lease against a real nats-server", () => {
  it("exactly one of two schedulers is active, and only it places tasks", async () => {
    await startInstance("scheduler-a");
    await startInstance("scheduler-b");
    await eventually(() => actives().length === 1, { what: "one active scheduler", timeoutMs: 10_000 });
    const holder = actives()[0]!;
    assert.equal((await leaseHolders(nc)).get("scheduler"), holder);
    assert.equal(instances.find((i) => i.id !== holder)!.s.status().role, "standby");

    await emit("NodeJoined", "node", "n1", { nodeId: "n1", name: "n1", role: "worker", availability: "active" });
    await emit("NodeStatusChanged", "node", "n1", { nodeId: "n1", state: "ready", message: "" });
    await createTask("t1", 1);
    await eventually(() => view.state.tasks.get("t1")?.state === "assigned", { what: "t1 assigned", timeoutMs: 10_000 });
    assert.deepEqual(assigned.map((e) => e.event.actor.id), [holder]);
  });

  it("when the active one crashes, the standby takes over within one lease TTL and places a pending task", async () => {
    const old = instances.find((i) => i.id === actives()[0])!;
    const standby = instances.find((i) => i !== old)!;
    const crashedAt = Date.now();
    old.crashed = true;
    await old.nc.close();
    await createTask("t2", 2);

    await eventually(() => standby.s.status().role === "active", { what: "standby takes over", timeoutMs: 15_000, intervalMs: 20 });
    const takeover = Date.now() - crashedAt;
    // The standby campaigns every 500 ms; the crashed holder's probe subscription went with its
    // connection, so "no responders" lets the standby take the lease without waiting for it to
    // expire (one TTL after the last renewal).
    assert.ok(takeover < LEASE_DEFAULTS.ttlMs, `takeover took ${takeover} ms`);
    // The crashed instance (in-process here) stops considering itself active at its next renewal,
    // which fails; it could not append anyway, its connection being closed.
    await eventually(() => old.s.status().role === "standby", { what: "the crashed instance standby", timeoutMs: 2 * LEASE_DEFAULTS.renewMs + 1000, intervalMs: 20 });

    await eventually(() => view.state.tasks.get("t2")?.state === "assigned", { what: "t2 assigned by the new holder", timeoutMs: 10_000 });
    assert.deepEqual(assigned.map((e) => e.event.actor.id), [old.id, standby.id], "each placement by the holder of its time");
  });

  it("a clean stop releases the lease at once to a newly started standby", async () => {
    const active = instances.find((i) => !i.crashed && i.s.status().role === "active")!;
    const fresh = await startInstance("scheduler-c");
    assert.equal(fresh.s.status().role, "standby");
    await active.s.stop();
    active.crashed = true;
    // Released, not expired: the next campaign (every 500 ms) wins well inside one TTL.
    const t0 = Date.now();
    await eventually(() => fresh.s.status().role === "active", { what: "c active", timeoutMs: 10_000, intervalMs: 20 });
    assert.ok(Date.now() - t0 < LEASE_DEFAULTS.ttlMs, `takeover after release took ${Date.now() - t0} ms`);
    await createTask("t3", 3);
    await eventually(() => view.state.tasks.get("t3")?.state === "assigned", { what: "t3 assigned", timeoutMs: 10_000 });
    assert.equal(assigned.at(-1)?.event.actor.id, "scheduler-c");
  });
});
