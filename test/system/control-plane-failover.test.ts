import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Service, Task } from "../../schemas/api.js";
import type { ControlPlaneMember } from "../../services/api/app/index.js";
import { apiFetch, containersOfNode, IMAGE, IMAGE2, joinAgent, startTestCluster, type JoinedAgent, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Two managers, so two processes of every control-plane service (DESIGN §5): orchestrators
 * partitioned by service, dispatchers by node, schedulers behind a lease, apis and secret-stores
 * active-active (the joined manager received the cluster's keys at its join).
 * During a rolling update, kill -9 one process of each — the one doing the work where there is
 * one — and the update completes: every task on the new image, exactly the replicas running.
 */

let c: TestCluster;
let m2: JoinedAgent;
before(async () => {
  c = await startTestCluster("failover");
  m2 = await joinAgent(c, "m2", "manager");
});
after(async () => { await c?.cleanup(); });

/** GET through whichever api answers (one of them may be being restarted). */
async function get<T>(path: string): Promise<T> {
  let last: unknown;
  for (const url of [c.socketUrl, m2.apiUrl!]) {
    try {
      const res = await apiFetch(url, path);
      if (res.ok) return (await res.json()) as T;
      last = new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    } catch (err) { last = err; }
  }
  throw last;
}
const members = () => get<ControlPlaneMember[]>("/jetswarm/control-plane");
const tasksOf = (name: string) => get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [name] }))}`);
/** kill -9 an instance through the supervisor of its manager (`<service>-1` on the first, `<service>-<node id>` on m2). */
function kill(m: ControlPlaneMember): number | undefined {
  const sup = m.Instance === `${m.Service}-1` ? c.supervisor : m2.supervisor;
  return sup.kill(m.Service, "SIGKILL");
}
const restarts = (m: ControlPlaneMember) => (m.Instance === `${m.Service}-1` ? c.supervisor : m2.supervisor).get(m.Service)?.restarts ?? 0;
const runningContainers = async (service: string) =>
  [...await containersOfNode(c.nodeId, { running: true, service }), ...await containersOfNode(m2.nodeId, { running: true, service })];

describe("two processes of every control-plane service", () => {
  it("control-plane ls shows them all: the nodes each dispatcher owns, which scheduler is active", async () => {
    const owned = (r: string) => Number(/^owns (\d+) nodes?$/.exec(r)?.[1] ?? NaN);
    const list = await eventually(async () => {
      const l = await members();
      const nodes = l.filter((m) => m.Service === "dispatcher").reduce((n, m) => n + owned(m.Role), 0);
      return l.length === 12 && nodes === 2 && l.some((m) => m.Role === "active") ? l : undefined;
    }, { what: "12 members, the two nodes owned, one active scheduler", timeoutMs: 60_000 });
    assert.deepEqual(list!.map((m) => m.Service).sort(), ["allocator", "allocator", "api", "api", "dispatcher", "dispatcher", "orchestrator", "orchestrator", "scheduler", "scheduler", "secret-store", "secret-store"]);
    assert.deepEqual(list!.filter((m) => m.Service === "orchestrator").map((m) => m.Role), ["owns 0 services", "owns 0 services"]);
    const out = await c.swarm("control-plane", "ls");
    assert.match(out, /^dispatcher\s+dispatcher-\S+\s+\S+\s+owns [0-2] nodes?\s+\d+\s+/m);
    assert.match(out, /^orchestrator\s+orchestrator-\S+\s+\S+\s+owns 0 services\s+\d+\s+/m);
  });

  it("kill -9 one process of each service during a rolling update → the update completes", async () => {
    await c.swarm("service", "create", "--name", "roll", "--replicas", "4", "--stop-grace-period", "1s", IMAGE, "sleep", "3600");
    const victims = await eventually(async () => {
      const l = await members();
      const o = l.find((m) => m.Service === "orchestrator" && m.Role === "owns 1 service");
      const d = l.find((m) => m.Service === "dispatcher" && /^owns [12] nodes?$/.test(m.Role));
      const s = l.find((m) => m.Service === "scheduler" && m.Role === "active");
      const a = l.find((m) => m.Service === "api" && m.Instance === "api-1");
      return o && d && s && a ? [o, d, s, a] : undefined;
    }, { what: "the owners and the active scheduler", timeoutMs: 30_000 });

    await c.swarm("service", "update", "--detach", "--image", IMAGE2, "--update-parallelism", "1", "roll");
    // Kill once the update is under way: a task on the new image exists, old ones still run.
    await eventually(async () => (await tasksOf("roll")).some((t) => t.Spec.ContainerSpec.Image === IMAGE2), { what: "the update under way" });
    const pids = victims!.map(kill);
    assert.ok(pids.every((p) => p !== undefined), `killed ${victims!.map((m) => m.Instance).join(", ")}`);
    const mid = (await tasksOf("roll")).filter((t) => t.DesiredState === "running" && t.Spec.ContainerSpec.Image === IMAGE);
    assert.ok(mid.length > 0, "killed mid-update: old tasks still to replace");

    const svc = await eventually(async () => {
      const s = (await get<Service[]>("/services")).find((x) => x.Spec.Name === "roll");
      return s?.UpdateStatus?.State === "completed" ? s : undefined;
    }, { what: "UpdateStatus completed", timeoutMs: 180_000 });
    assert.equal(svc!.Spec.TaskTemplate.ContainerSpec.Image, IMAGE2);
    await eventually(async () => {
      const live = (await tasksOf("roll")).filter((t) => t.DesiredState === "running");
      const ctrs = await runningContainers("roll");
      return live.length === 4 && live.every((t) => t.Status.State === "running" && t.Spec.ContainerSpec.Image === IMAGE2)
        && ctrs.length === 4 && ctrs.every((x) => x.Image === IMAGE2);
    }, { what: "4 tasks running on :2 and exactly 4 running containers, all :2", timeoutMs: 60_000 });
    for (const m of victims!) assert.ok(restarts(m) >= 1, `${m.Instance} was restarted`);
    await eventually(async () => (await members()).length === 12, { what: "12 members again", timeoutMs: 30_000 });
  });
});
