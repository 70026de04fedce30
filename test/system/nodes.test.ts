import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Node, Task } from "../../schemas/api.js";
import { containersOfNode, IMAGE, joinAgent, startTestCluster, type JoinedAgent, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Many nodes on one Docker Engine: the test cluster's own node plus two more agents joined as n2
 * and n3 (each touches only containers labelled with its node id). Node lifecycle and placement,
 * against the real stack and real containers.
 */
let c: TestCluster;
let n2: JoinedAgent;
let n3: JoinedAgent;
before(async () => {
  c = await startTestCluster("nodes");
  n2 = await joinAgent(c, "n2");
  n3 = await joinAgent(c, "n3");
});
after(async () => { await c?.cleanup(); });

const tasksOf = (svc: string) => c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [svc] }))}`);
/** node id → running containers of `svc` on it, for every node of the cluster. */
async function runningByNode(svc: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const id of [c.nodeId, n2.nodeId, n3.nodeId]) out.set(id, (await containersOfNode(id, { running: true, service: svc })).length);
  return out;
}
async function runningTasks(svc: string): Promise<Task[]> {
  return (await tasksOf(svc)).filter((t) => t.Status.State === "running" && t.DesiredState === "running");
}
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe("many nodes", () => {
  it("node ls shows the three nodes Ready", async () => {
    await eventually(async () => {
      const nodes = await c.get<Node[]>("/nodes");
      return nodes.length === 3 && nodes.every((n) => n.Status.State === "ready");
    }, { timeoutMs: 60_000, what: "three ready nodes" });
    const ls = await c.swarm("node", "ls");
    for (const id of [c.nodeId, n2.nodeId, n3.nodeId]) assert.match(ls, new RegExp(`^${id}\\s.*\\bReady\\s+Active\\b`, "m"));
  });

  it("node update --availability drain n2 moves its tasks to the other nodes", async () => {
    // A 1 s stop grace: the sleep (pid 1) ignores SIGTERM, so each stop would wait the default 10 s.
    await c.swarm("service", "create", "--detach", "--name", "web", "--replicas", "6", "--stop-grace-period", "1s", IMAGE, "sleep", "3600");
    await eventually(async () => (await runningTasks("web")).length === 6 && total(await runningByNode("web")) === 6,
      { timeoutMs: 90_000, what: "6 running web tasks" });
    assert.equal((await c.swarm("node", "update", "--availability", "drain", "n2")).trim(), "n2");
    await eventually(async () => {
      const by = await runningByNode("web");
      const live = await runningTasks("web");
      return by.get(n2.nodeId) === 0 && total(by) === 6 && live.length === 6 && live.every((t) => t.NodeID !== n2.nodeId);
    }, { timeoutMs: 120_000, what: "web to leave the drained node n2 and run 6 elsewhere" });
    const n2Tasks = (await tasksOf("web")).filter((t) => t.NodeID === n2.nodeId);
    assert.ok(n2Tasks.every((t) => t.DesiredState === "shutdown"), "tasks left on n2 are shut down");
    assert.match(await c.swarm("node", "inspect", "--pretty", n2.nodeId), / Availability: +\tDrain/);
  });

  it("node rm of a ready node is refused in Swarm's words", async () => {
    await assert.rejects(c.swarm("node", "rm", "n2"), (err: Error & { stderr?: string }) =>
      /node [0-9a-z]{25} is not down and can't be removed/.test(err.stderr ?? err.message));
    assert.equal((await c.get<Node[]>("/nodes")).length, 3);
  });

  it("node update --label-add zone=a n3 + --constraint node.labels.zone==a → every task on n3", async () => {
    assert.equal((await c.swarm("node", "update", "--label-add", "zone=a", "n3")).trim(), "n3");
    await c.swarm("service", "create", "--detach", "--name", "zoned", "--replicas", "3", "--constraint", "node.labels.zone==a", "--stop-grace-period", "1s", IMAGE, "sleep", "3600");
    await eventually(async () => (await runningTasks("zoned")).length === 3, { timeoutMs: 90_000, what: "3 running zoned tasks" });
    const by = await runningByNode("zoned");
    assert.deepEqual([by.get(n3.nodeId), total(by)], [3, 3], "all zoned containers run on n3");
  });

  it("a global service gets one task per eligible node", async () => {
    await c.swarm("node", "update", "--availability", "active", "n2");
    await c.swarm("service", "create", "--detach", "--name", "everywhere", "--mode", "global", "--stop-grace-period", "1s", IMAGE, "sleep", "3600");
    await eventually(async () => {
      const by = await runningByNode("everywhere");
      return [...by.values()].every((n) => n === 1) && (await runningTasks("everywhere")).length === 3;
    }, { timeoutMs: 90_000, what: "one running global task on each of the 3 nodes" });
    assert.match(await c.swarm("service", "ls"), /\beverywhere\s+global\s+3\/3\b/);
  });

  it("service rm leaves no container on any node", async () => {
    for (const s of ["web", "zoned", "everywhere"]) await c.swarm("service", "rm", s).catch(() => "");
    await eventually(async () => total(await runningByNode("web")) + total(await runningByNode("zoned")) + total(await runningByNode("everywhere")) === 0,
      { timeoutMs: 90_000, what: "every container removed" });
  });
});
