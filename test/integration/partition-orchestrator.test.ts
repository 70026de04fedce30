import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { listMembers, startMembership, type Membership } from "../../services/shared/instances/index.js";
import { rendezvousOwner } from "../../services/shared/ownership/index.js";
import { tasksOfService } from "../../services/shared/model/index.js";
import type { ServiceSpec } from "../../schemas/index.js";
import { start, type RunningOrchestrator } from "../../services/orchestrator/index.js";
import { testNats } from "../helpers/nats.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";
import { emitter, type Emit } from "../helpers/emit.js";

/*
 * Orchestrators partitioned by service (DESIGN §5), in-process, each on its own connection with
 * its membership heartbeat as runService does it: each service's tasks are created by exactly
 * its owner; a joining instance takes its share; a crashed one's services move to the others.
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let fx: LogFixture | undefined;
let nc: NatsConnection;
let store: JetStreamEventStore;
let observer: Informer;
let emit: Emit;
interface Instance { id: string; conn: NatsConnection; orch: RunningOrchestrator; member: Membership }
const instances = new Map<string, Instance>();

async function orchestrator(id: string): Promise<Instance> {
  const conn = await connectNats({ url: nats.url, name: id });
  let orch: RunningOrchestrator | undefined;
  const member = await startMembership(conn, { service: "orchestrator", instanceId: id, status: () => orch?.status() });
  orch = await start({ nc: conn, store: new JetStreamEventStore(conn), log: createLogger(id, "silent"), instanceId: id },
    { resyncMs: 500, partitioned: true, partitionSweepMs: 100 });
  await member.beat();
  const inst = { id, conn, orch, member };
  instances.set(id, inst);
  return inst;
}

const spec = (name: string, replicas: number): ServiceSpec => ({
  Name: name, Mode: { Replicated: { Replicas: replicas } }, TaskTemplate: { ContainerSpec: { Image: "busybox" } },
});

/** Service id → the instances that appended its TaskCreated events after `sinceSeq` (read back from the log). */
async function creators(sinceSeq = 0): Promise<Map<string, Set<string>>> {
  const replay = new Informer(store);
  const out = new Map<string, Set<string>>();
  replay.onEvent((e) => {
    if (e.seq <= sinceSeq || e.event.type !== "TaskCreated") return;
    const set = out.get(e.event.data.serviceId) ?? new Set<string>();
    set.add(e.event.actor.id);
    out.set(e.event.data.serviceId, set);
  });
  await replay.start();
  await replay.stop();
  return out;
}
const runnable = (serviceId: string) => tasksOfService(observer.state, serviceId).filter((t) => t.desiredState === "running").length;

/** The first service ids `svc<i>` of which each of `members` owns three. */
function pickServices(members: string[]): string[] {
  const mine = new Map(members.map((m) => [m, [] as string[]]));
  for (let i = 0; [...mine.values()].some((l) => l.length < 3); i++) {
    const list = mine.get(rendezvousOwner(`svc${i}`, members)!)!;
    if (list.length < 3) list.push(`svc${i}`);
  }
  return [...mine.values()].flat();
}

before(async () => {
  fx = await logFixture("partition-test");
  ({ nats, nc, store, view: observer } = fx);
  emit = emitter(store, observer);
  await emit("ClusterInitialized", "cluster", "default", { clusterId: "c1", workerTokenHash: "w", managerTokenHash: "m", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 });
});
after(async () => {
  for (const i of instances.values()) {
    await i.orch.stop().catch(() => undefined);
    await i.member.stop().catch(() => undefined);
    if (!i.conn.isClosed()) await i.conn.drain().catch(() => undefined);
  }
  await fx?.stop();
});

describe("orchestrators partitioned by service", () => {
  const services = pickServices(["orch-a", "orch-b"]);
  const three = ["orch-a", "orch-b", "orch-c"];

  it("each service's tasks come from exactly its owner; membership shows what each owns", async () => {
    await orchestrator("orch-a");
    await orchestrator("orch-b");
    for (const id of services) await emit("ServiceCreated", "service", id, { serviceId: id, spec: spec(id, 2) });
    await eventually(() => services.every((id) => runnable(id) === 2), { what: "2 tasks per service", timeoutMs: 15_000 });
    const by = await creators();
    for (const id of services) assert.deepEqual([...by.get(id)!], [rendezvousOwner(id, ["orch-a", "orch-b"])], id);

    const owns = await eventually(async () => {
      const m = (await listMembers(nc)).filter((r) => r.service === "orchestrator");
      return m.length === 2 && m.every((r) => r.owns?.count === 3) ? m : undefined;
    }, { what: "each member reports 3 services owned", timeoutMs: 10_000 });
    assert.deepEqual(owns?.map((r) => [r.instanceId, r.role, r.owns?.kind]), [["orch-a", "partitions", "service"], ["orch-b", "partitions", "service"]]);
  });

  it("a joining instance takes the services it now owns, and only those", async () => {
    await orchestrator("orch-c");
    const members = three;
    assert.ok(services.some((id) => rendezvousOwner(id, members) === "orch-c"), "orch-c takes some");
    const seq = await store.headSeq();
    for (const id of services) await emit("ServiceUpdated", "service", id, { serviceId: id, spec: spec(id, 3) });
    await eventually(() => services.every((id) => runnable(id) === 3), { what: "3 tasks per service", timeoutMs: 15_000 });
    const after = await creators(seq);
    for (const id of services) assert.deepEqual([...after.get(id)!], [rendezvousOwner(id, members)], id);
  });

  it("a crashed instance's services move to the others, which converge them", async () => {
    const members = three;
    const victim = instances.get("orch-b")!;
    // kill -9: the orchestrator stops and its record is left to expire (no delete).
    await victim.orch.stop();
    await victim.conn.close();
    instances.delete("orch-b");
    const orphaned = services.filter((id) => rendezvousOwner(id, members) === "orch-b");
    assert.ok(orphaned.length > 0);
    const seq = await store.headSeq();
    for (const id of services) await emit("ServiceUpdated", "service", id, { serviceId: id, spec: spec(id, 4) });
    await eventually(() => services.every((id) => runnable(id) === 4), { what: "4 tasks per service, after the TTL", timeoutMs: 30_000 });
    const after = await creators(seq);
    for (const id of services) {
      assert.deepEqual([...after.get(id)!], [rendezvousOwner(id, ["orch-a", "orch-c"])], id);
    }
  });
});

