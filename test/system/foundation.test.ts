import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Task, Service } from "../../schemas/api.js";
import { docker, IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * The user walk, against the real stack: nats-server, api, orchestrator, scheduler and
 * dispatcher as separate processes, one agent on the real Docker Engine.
 */
let c: TestCluster;
before(async () => { c = await startTestCluster("walk"); });
after(async () => { await c?.cleanup(); });

const tasksOf = (svc: string) => c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [svc] }))}`);
async function exactlyRunning(svc: string, n: number, timeoutMs = 60_000) {
  await eventually(async () => {
    const [ctrs, tasks] = await Promise.all([c.containers({ running: true, service: svc }), tasksOf(svc)]);
    const live = tasks.filter((t) => t.Status.State === "running" && t.DesiredState === "running");
    return ctrs.length === n && live.length === n;
  }, { timeoutMs, what: `${n} running containers and tasks of ${svc}` });
}

describe("a user's walk through a single-node cluster", () => {
  it("service create --replicas 3 → 3 running containers, shown by ls and ps", async () => {
    // A 1 s stop grace: the sleep (pid 1) ignores SIGTERM, so each stop would wait the default 10 s.
    const out = await c.swarm("service", "create", "--detach", "--name", "web", "--replicas", "3", "--stop-grace-period", "1s", IMAGE, "sleep", "3600");
    assert.match(out.trim(), /^[a-z0-9]{25}$/, "create prints the new service id");
    await exactlyRunning("web", 3);
    const ls = await c.swarm("service", "ls");
    assert.match(ls, /^ID\s+NAME\s+MODE\s+REPLICAS\s+IMAGE\s+PORTS/m);
    assert.match(ls, /\bweb\s+replicated\s+3\/3\s+jetswarm-test\/busybox:1/);
    const ps = await c.swarm("service", "ps", "web");
    assert.equal(ps.split("\n").filter((l) => /\bweb\.[123]\b/.test(l) && /Running/.test(l)).length, 3);
    const names = (await c.containers({ service: "web" })).map((x) => x.Names[0]!.slice(1)).sort();
    for (const n of names) assert.match(n, /^web\.[123]\.[a-z0-9]{25}$/, "container named <service>.<slot>.<taskId>");
  });

  it("docker kill of one container → its task fails and a replacement runs in the same slot", async () => {
    const [victim] = await c.containers({ running: true, service: "web" });
    assert.ok(victim);
    const slot = victim.Labels["jetswarm.slot"];
    const taskId = victim.Labels["jetswarm.task.id"];
    await docker.getContainer(victim.Id).kill();
    await eventually(async () => (await tasksOf("web")).find((t) => t.ID === taskId)?.Status.State === "failed",
      { timeoutMs: 60_000, what: "the killed task to be failed" });
    const failed = (await tasksOf("web")).find((t) => t.ID === taskId)!;
    assert.match(failed.Status.Err ?? "", /non-zero exit \(137\)/);
    await exactlyRunning("web", 3);
    const inSlot = (await tasksOf("web")).filter((t) => String(t.Slot) === slot);
    assert.ok(inSlot.some((t) => t.ID !== taskId && t.Status.State === "running"), "replacement runs in the same slot");
  });

  it("service scale web=5 then web=2 → exactly that many run; slot 1 and 2 are kept", async () => {
    assert.match(await c.swarm("service", "scale", "--detach", "web=5"), /web scaled to 5/);
    await exactlyRunning("web", 5);
    await c.swarm("service", "scale", "--detach", "web=2");
    await exactlyRunning("web", 2);
    const slots = (await c.containers({ running: true, service: "web" })).map((x) => x.Labels["jetswarm.slot"]).sort();
    assert.deepEqual(slots, ["1", "2"]);
  });

  it("kill -9 of the agent → restarted, adopts its containers: same ids, none duplicated or restarted", async () => {
    const before = (await c.containers({ running: true, service: "web" })).map((x) => x.Id).sort();
    const startedAt = await Promise.all(before.map(async (id) => (await docker.getContainer(id).inspect()).State.StartedAt));
    const oldPid = c.supervisor.kill("agent", "SIGKILL");
    await eventually(() => c.supervisor.get("agent")?.child?.pid !== oldPid, { what: "the agent to be restarted" });
    // Give the new agent a full pass, then ask the control plane to change something so we know it acts.
    await c.swarm("service", "scale", "--detach", "web=3");
    await exactlyRunning("web", 3);
    const after = (await c.containers({ running: true, service: "web" })).map((x) => x.Id);
    for (const id of before) assert.ok(after.includes(id), `container ${id.slice(0, 12)} kept`);
    const startedAfter = await Promise.all(before.map(async (id) => (await docker.getContainer(id).inspect()).State.StartedAt));
    assert.deepEqual(startedAfter, startedAt, "adopted containers were not restarted");
    assert.equal((await c.containers({ service: "web" })).filter((x) => x.State === "running").length, 3);
  });

  it("kill -9 each control-plane service in turn while scaling → converges to the exact count", async () => {
    const targets = [12, 4, 9, 6];
    const order = ["orchestrator", "scheduler", "dispatcher", "api"];
    for (let i = 0; i < order.length; i++) {
      await c.swarm("service", "scale", "--detach", `web=${targets[i]}`);
      c.supervisor.kill(order[i]!, "SIGKILL");
    }
    await exactlyRunning("web", 6, 120_000);
    // Nothing duplicated: one running container per slot, six distinct slots. (Which six depends
    // on what was running when the last scale-down was decided: Swarm keeps running slots first.)
    const slots = (await c.containers({ running: true, service: "web" })).map((x) => Number(x.Labels["jetswarm.slot"]));
    assert.equal(new Set(slots).size, 6, `six distinct slots: ${slots.join(",")}`);
    const tasks = (await tasksOf("web")).filter((t) => t.DesiredState === "running");
    assert.deepEqual(tasks.map((t) => t.Slot).sort((a, b) => a - b), [...slots].sort((a, b) => a - b), "the running containers are the runnable tasks' slots");
    const svc = (await c.get<Service[]>("/services")).find((s) => s.Spec.Name === "web");
    assert.equal(svc?.ServiceStatus?.RunningTasks, 6);
  });

  it("service rm → no container of it is left on the engine", async () => {
    assert.equal((await c.swarm("service", "rm", "web")).trim(), "web");
    await eventually(async () => (await c.containers({ service: "web" })).length === 0, { timeoutMs: 60_000, what: "all web containers removed" });
    assert.doesNotMatch(await c.swarm("service", "ls"), /\bweb\b/);
  });
});
