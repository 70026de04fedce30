import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { connectNats, Informer, JetStreamEventStore, leaseHolders, listMembers, type NatsConnection } from "../../services/shared/index.js";
import type { StoredEvent } from "../../schemas/index.js";
import { serviceScript } from "../../deploy/launcher/local-cluster.js";
import { containersOfNode, IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * The whole stack as processes on the real Docker Engine, with a second scheduler process as a
 * standby. kill -9 of the active one while 40 tasks are being created (20 before the kill, 20
 * after): every task assigned once, one container per task, and the schedulers' decisions in the
 * log are the old holder's, then the new holder's, never mixed. (200 tasks: the integration test,
 * on hollow nodes.)
 */

let c: TestCluster;
let nc: NatsConnection;
let view: Informer;
const decisions: StoredEvent[] = [];

const createService = async (Name: string, Replicas: number) => {
  const res = await fetch(`${c.apiUrl}/services/create`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ Name, Mode: { Replicated: { Replicas } }, TaskTemplate: { ContainerSpec: { Image: IMAGE, Args: ["sleep", "3600"] } } }),
  });
  assert.equal(res.status, 201, await res.text());
};

before(async () => {
  c = await startTestCluster("takeover");
  nc = await connectNats({ url: c.natsUrl, name: "takeover-system-test" });
  view = new Informer(new JetStreamEventStore(nc));
  view.onEvent((e) => { if (e.event.type === "TaskAssigned" || e.event.type === "TaskUnschedulable") decisions.push(e); });
  await view.start();
  c.supervisor.start({
    name: "scheduler-2", script: serviceScript("scheduler"), env: { SWARM_NATS_URL: c.natsUrl, SWARM_INSTANCE_ID: "scheduler-2" },
    logFile: join(c.dataDir, "logs", "scheduler-2.log"),
  });
  await eventually(async () => (await listMembers(nc)).some((m) => m.instanceId === "scheduler-2" && m.role === "standby"), { what: "scheduler-2 standing by" });
  await eventually(async () => [...view.state.nodes.values()].some((n) => n.state === "ready"), { what: "the node ready", timeoutMs: 60_000 });
});
/** The supervisor's name of a scheduler instance (the launcher's own is `scheduler`, instance `scheduler-1`). */
const procName = (instanceId: string) => (instanceId === "scheduler-1" ? "scheduler" : instanceId);

after(async () => {
  c?.supervisor.kill("scheduler-2", "SIGTERM", { restart: false }); // not one of the launcher's: cleanup() would not stop it
  await view?.stop();
  await nc?.drain();
  await c?.cleanup();
});

describe("scheduler takeover on real containers", () => {
  it("kill -9 of the active scheduler mid-way: 40 tasks run, each assigned once, one container each", async (t) => {
    const active = (await leaseHolders(nc)).get("scheduler");
    assert.ok(active === "scheduler-1" || active === "scheduler-2", `a holder (${active})`);
    const standby = active === "scheduler-1" ? "scheduler-2" : "scheduler-1";

    await createService("before-kill", 20);
    await eventually(() => decisions.some((e) => e.event.actor.id === active), { what: `${active} placing`, intervalMs: 5 });
    const killedAt = Date.now();
    const pid = c.supervisor.kill(procName(active), "SIGKILL", { restart: false });
    assert.ok(pid, "killed a process");
    await createService("after-kill", 20);

    await eventually(async () => (await containersOfNode(c.nodeId, { running: true })).length === 40, { what: "40 containers running", timeoutMs: 240_000, intervalMs: 500 });
    await eventually(() => [...view.state.tasks.values()].filter((x) => x.state === "running").length === 40, { what: "40 tasks running" });

    const perTask = new Map<string, number>();
    for (const e of decisions) if (e.event.type === "TaskAssigned") perTask.set(e.event.data.taskId, (perTask.get(e.event.data.taskId) ?? 0) + 1);
    assert.equal(perTask.size, 40);
    assert.deepEqual([...perTask.values()].filter((n) => n !== 1), [], "each task assigned exactly once");

    const containers = await containersOfNode(c.nodeId);
    const perContainerTask = new Map<string, number>();
    for (const x of containers) { const id = x.Labels["jetswarm.task.id"] ?? "?"; perContainerTask.set(id, (perContainerTask.get(id) ?? 0) + 1); }
    assert.equal(containers.length, 40, "no container beyond one per task");
    assert.deepEqual([...perContainerTask.keys()].sort(), [...perTask.keys()].sort(), "one container for each assigned task");

    const actors = decisions.map((e) => e.event.actor.id);
    const firstNew = actors.indexOf(standby);
    assert.ok(firstNew > 0, "the old holder placed before the kill, the standby after");
    assert.deepEqual(new Set(actors.slice(0, firstNew)), new Set([active]));
    assert.deepEqual(new Set(actors.slice(firstNew)), new Set([standby]));
    const firstNewAt = Date.parse(decisions[firstNew]!.event.at);
    t.diagnostic(`${active} placed ${firstNew}, ${standby} ${actors.length - firstNew}; first placement by ${standby} ${firstNewAt - killedAt} ms after the kill`);
  });
});
