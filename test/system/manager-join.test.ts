import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Node, Task } from "../../schemas/api.js";
import { apiFetch, containersOfNode, IMAGE, joinAgent, startTestCluster, type JoinedAgent, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * `swarm join` with the manager token: the joining host runs its own control plane (api,
 * orchestrator, scheduler, dispatcher) against the cluster's NATS, beside its agent. With the
 * first manager's orchestrator, scheduler and dispatcher stopped, the second one's keep the
 * cluster working: nodes stay ready, a scale is carried out.
 */
let c: TestCluster;
let m2: JoinedAgent;
before(async () => {
  c = await startTestCluster("mgr");
  m2 = await joinAgent(c, "m2", "manager");
});
after(async () => { await c?.cleanup(); });

async function get<T>(api: string, path: string): Promise<T> {
  const res = await apiFetch(api, path);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
async function running(api: string, svc: string): Promise<number> {
  const tasks = await get<Task[]>(api, `/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [svc] }))}`);
  return tasks.filter((t) => t.Status.State === "running" && t.DesiredState === "running").length;
}

describe("a second manager", () => {
  it("joins as a manager and serves the api of its own host", async () => {
    assert.equal(m2.role, "manager");
    assert.ok(m2.apiUrl);
    const nodes = await eventually(async () => {
      const ns = await get<Node[]>(m2.apiUrl!, "/nodes");
      return ns.length === 2 && ns.every((n) => n.Status.State === "ready") ? ns : undefined;
    }, { what: "both nodes ready through the second api", timeoutMs: 60_000 });
    assert.equal(nodes?.find((n) => n.ID === m2.nodeId)?.Spec.Role, "manager");
  });

  it("runs a service created through its api, on both nodes", async () => {
    await c.swarm("--host", m2.apiUrl!, "service", "create", "-d", "--name", "mweb", "--replicas", "4", IMAGE, "sleep", "3600");
    await eventually(async () => (await running(c.socketUrl, "mweb")) === 4, { what: "4 running", timeoutMs: 90_000 });
    const here = (await containersOfNode(c.nodeId, { running: true, service: "mweb" })).length;
    const there = (await containersOfNode(m2.nodeId, { running: true, service: "mweb" })).length;
    assert.equal(here + there, 4);
    assert.ok(here > 0 && there > 0, `spread over both nodes (${here} + ${there})`);
  });

  it("keeps the cluster working when the first manager's orchestrator, scheduler and dispatcher stop", async () => {
    await c.supervisor.stop(["dispatcher", "scheduler", "orchestrator"]);
    await c.swarm("--host", m2.apiUrl!, "service", "scale", "-d", "mweb=6");
    await eventually(async () => (await running(m2.apiUrl!, "mweb")) === 6, { what: "6 running", timeoutMs: 90_000 });
    // Heartbeats reach the remaining dispatcher: no node is marked down while both agents beat.
    await new Promise((r) => setTimeout(r, 3 * 2000 + 1000));
    const nodes = await get<Node[]>(m2.apiUrl!, "/nodes");
    assert.deepEqual(nodes.map((n) => n.Status.State), ["ready", "ready"]);
    const total = (await containersOfNode(c.nodeId, { running: true, service: "mweb" })).length
      + (await containersOfNode(m2.nodeId, { running: true, service: "mweb" })).length;
    assert.equal(total, 6, "no duplicate containers");
  });
});
