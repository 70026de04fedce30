import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, natsTlsEnv, type NatsConnection } from "../../services/shared/nats/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { leaseHolders } from "../../services/shared/instances/index.js";
import type { StoredEvent } from "../../schemas/index.js";
import { containersOfNode, IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";

/*
 * The whole stack as processes on the real Docker Engine (`swarm up`'s launcher: a crashed process
 * is restarted), with a second scheduler process as a standby. kill -9 of the active one while 40
 * tasks are being created (20 before the kill, 20 after): every task assigned once, one container
 * per task, and the schedulers' decisions in the log are the old holder's, then the new holder's,
 * never mixed. The new holder is normally the standby; should the launcher's runner start the
 * killed instance again in time (same instance id), either may win the expired lease, and the
 * check accepts both. (The integration test, 200 tasks on hollow nodes with
 * unsupervised processes, checks that the standby is the one.)
 */

let c: TestCluster;
let nc: NatsConnection;
let view: Informer;
let standby: ServiceProcess | undefined;
const decisions: StoredEvent[] = [];

const createService = async (Name: string, Replicas: number) => {
  const res = await c.api("/services/create", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ Name, Mode: { Replicated: { Replicas } }, TaskTemplate: { ContainerSpec: { Image: IMAGE, Args: ["sleep", "3600"] } } }),
  });
  assert.equal(res.status, 201, await res.text());
};

before(async () => {
  c = await startTestCluster("takeover");
  nc = await connectNats({ url: c.natsUrl, name: "takeover-system-test", tls: c.natsTls });
  view = new Informer(new JetStreamEventStore(nc));
  view.onEvent((e) => { if (e.event.type === "TaskAssigned" || e.event.type === "TaskUnschedulable") decisions.push(e); });
  await view.start();
  // Not one of the launcher's processes (its control-plane runner would stop an instance it did not want).
  standby = spawnService("scheduler", "scheduler-standby", { SWARM_NATS_URL: c.natsUrl, ...natsTlsEnv(c.bus?.identity("svc-scheduler")) });
  await standby.waitForLog((r) => r.msg === "scheduler running" && r.active === false);
  await eventually(async () => [...view.state.nodes.values()].some((n) => n.state === "ready"), { what: "the node ready", timeoutMs: 60_000 });
});
after(async () => {
  await standby?.kill("SIGTERM");
  await view?.stop();
  await nc?.drain();
  await c?.cleanup();
});

describe("scheduler takeover on real containers", () => {
  it("kill -9 of the active scheduler mid-way: 40 tasks run, each assigned once, one container each", async (t) => {
    const active = (await leaseHolders(nc)).get("scheduler");
    assert.equal(active, "scheduler-1", "the launcher's scheduler holds the lease, the standby waits");

    await createService("before-kill", 20);
    await eventually(() => decisions.some((e) => e.event.actor.id === active), { what: `${active} placing`, intervalMs: 5 });
    const killedAt = Date.now();
    // Not restarted by the supervisor, so the takeover is normally the standby's (the launcher's
    // control-plane runner starts it again only on a cluster or node event).
    assert.ok(c.supervisor.kill("scheduler", "SIGKILL", { restart: false }), "killed the active scheduler's process");
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

    // Runs of one actor in log order: the old holder's, then at most one other's.
    const actors = decisions.map((e) => e.event.actor.id);
    const runs = actors.filter((a, i) => i === 0 || a !== actors[i - 1]);
    assert.ok(runs.length <= 2 && runs[0] === active && (runs.length === 1 || runs[1] === "scheduler-standby"), `decisions never interleave: ${runs.join(" → ")}`);
    const after = decisions.find((e) => Date.parse(e.event.at) > killedAt);
    assert.ok(after, "placements after the kill");
    t.diagnostic(`placements: ${runs.map((r) => `${r} ${actors.filter((a) => a === r).length}`).join(", ")}; first placement after the kill by ${after.event.actor.id}, ${Date.parse(after.event.at) - killedAt} ms after it`);
  });
});
