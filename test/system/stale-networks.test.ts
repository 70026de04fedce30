import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Task } from "../../schemas/api.js";
import { IMAGE, docker, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * A jetswarm network left on the engine by an earlier cluster (`rm -rf ~/.jetswarm` and `swarm up`
 * again) holds the subnet the new cluster's network wants. The agent removes it when no container
 * uses it; when one does, the tasks are rejected naming the clash instead of preparing for ever.
 */

let c: TestCluster;
const STALE = ["jetswarm-stale-labelled", "jetswarm-stale-legacy", "jetswarm-stale-busy"];
const BLOCKER = "jetswarm-stale-blocker";
const tasksOf = (svc: string) => c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [svc] }))}`);

/** A network as an earlier cluster's agent left it (its labels; the cluster label only on newer agents'). */
async function staleNetwork(name: string, subnet: string, clusterId?: string): Promise<void> {
  await docker.createNetwork({
    Name: name, Driver: "bridge", IPAM: { Driver: "default", Config: [{ Subnet: subnet }] },
    Labels: { "jetswarm.network.id": name.slice("jetswarm-".length), "jetswarm.node.id": `gone-${name}`, ...(clusterId ? { "jetswarm.cluster.id": clusterId } : {}) },
  });
}

async function removeLeftovers(): Promise<void> {
  await docker.getContainer(BLOCKER).remove({ force: true }).catch(() => undefined);
  for (const n of STALE) await docker.getNetwork(n).remove().catch(() => undefined);
}

describe("stale jetswarm networks of an earlier cluster", { timeout: 120_000 }, () => {
  before(async () => {
    await removeLeftovers();
    await staleNetwork(STALE[0]!, "10.232.6.0/24", "an-earlier-cluster");
    await staleNetwork(STALE[1]!, "10.232.7.0/24");
    await staleNetwork(STALE[2]!, "10.232.9.0/24", "an-earlier-cluster");
    const blocker = await docker.createContainer({ name: BLOCKER, Image: IMAGE, Cmd: ["sleep", "3600"], HostConfig: { NetworkMode: STALE[2]! } });
    await blocker.start();
    c = await startTestCluster("stalenet");
    // Both cases at once: their tasks wait for the same passes.
    await c.swarm("network", "create", "-d", "overlay", "--subnet", "10.232.6.0/23", "fresh");
    await c.swarm("network", "create", "-d", "overlay", "--subnet", "10.232.9.0/24", "busy");
    await c.swarm("service", "create", "--detach", "--name", "fresh", "--network", "fresh", IMAGE, "sleep", "3600");
    await c.swarm("service", "create", "--detach", "--name", "busy", "--network", "busy", IMAGE, "sleep", "3600");
  });
  after(async () => {
    await c?.cleanup();
    await removeLeftovers();
  });

  it("unused ones in the way of a network are removed (labelled or not), and its service runs", async () => {
    await eventually(async () => (await c.containers({ running: true, service: "fresh" })).length === 1, { what: "the task running", timeoutMs: 60_000 });
    const left = (await docker.listNetworks()).map((n) => n.Name);
    assert.ok(!left.includes(STALE[0]!) && !left.includes(STALE[1]!), `stale networks removed (left: ${left.join(", ")})`);
  });

  it("one a container uses is kept, and the service's tasks say which network clashes", async () => {
    const rejected = await eventually(async () => (await tasksOf("busy")).find((t) => t.Status.State === "rejected"), { what: "a rejected task", timeoutMs: 60_000 });
    assert.equal(rejected!.Status.Err, "network busy: subnet 10.232.9.0/24 overlaps docker network jetswarm-stale-busy (in use by another cluster)");
    assert.match(await c.swarm("service", "ps", "--no-trunc", "busy"), /overlaps docker network jetswarm-stale-busy \(in use by another cluster\)/);
    assert.ok((await docker.listNetworks()).some((n) => n.Name === STALE[2]), "the network in use is kept");
    assert.equal((await docker.getContainer(BLOCKER).inspect()).State.Running, true);
  });
});
