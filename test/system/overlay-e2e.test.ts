import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { startTestHosts, type TestHost, type TestHosts } from "../helpers/netns-hosts.js";
import { startNetnsAgents, type NetnsAgents } from "../helpers/netns-agent.js";
import { eventually } from "../helpers/eventually.js";

/*
 * End to end: a `swarm up` test cluster (its own node drained) and two netns test hosts joined as
 * workers, each running its agent inside the host. `swarm network create` + `swarm service create
 * --network`: the allocator's addresses and maps, the agents' bridges and VXLAN, two tasks on two
 * hosts reaching each other; a node killed leaves the other's fdb within the heartbeat window.
 */

const run = promisify(execFile);
let c: TestCluster;
let hosts: TestHosts;
let agents: NetnsAgents;

async function taskOn(h: TestHost): Promise<Docker.ContainerInfo | undefined> {
  return (await h.docker.listContainers({ filters: { label: ["jetswarm.service.name=e2e"] } }))[0];
}
async function addressOf(h: TestHost, id: string): Promise<string> {
  const nets = (await h.docker.getContainer(id).inspect()).NetworkSettings.Networks;
  const ip = Object.entries(nets).find(([n]) => n.startsWith("jetswarm-"))?.[1]?.IPAddress;
  if (!ip) throw new Error(`container ${id} has no overlay address: ${JSON.stringify(Object.keys(nets))}`);
  return ip;
}
const ping = (h: TestHost, id: string, ip: string) =>
  run("docker", ["exec", id, "ping", "-c", "1", "-W", "2", ip], { env: { ...process.env, DOCKER_HOST: h.dockerHost } }).then(() => true, () => false);

describe("overlay end to end: cluster + two netns hosts", { timeout: 600_000 }, () => {
  before(async () => {
    c = await startTestCluster("ovl-e2e");
    hosts = await startTestHosts(2);
    agents = await startNetnsAgents(c, hosts);
    await eventually(async () => (await c.swarm("node", "ls", "-q")).trim().split("\n").length === 3, { what: "three nodes", timeoutMs: 60_000 });
    await c.swarm("node", "update", "--availability", "drain", c.nodeId);
  });
  after(async () => {
    agents?.stop();
    await hosts?.cleanup();
    await c?.cleanup();
  });

  it("two replicas on two hosts reach each other over the overlay; a killed node leaves the other's fdb", async () => {
    await c.swarm("network", "create", "-d", "overlay", "e2enet");
    await c.swarm("service", "create", "--detach", "--name", "e2e", "--network", "e2enet", "--replicas", "2", IMAGE, "sleep", "3600");
    const [h1, h2] = hosts.hosts as [TestHost, TestHost];
    const [t1, t2] = await eventually(async () => {
      const a = await taskOn(h1);
      const b = await taskOn(h2);
      return a && b ? [a, b] as const : undefined;
    }, { what: "a running task on each host", timeoutMs: 120_000 }) as readonly [Docker.ContainerInfo, Docker.ContainerInfo];
    const ip2 = await addressOf(h2, t2.Id);
    await eventually(() => ping(h1, t1.Id, ip2), { what: `h1's task pinging ${ip2}`, timeoutMs: 30_000 });
    const vx = (await h1.exec("ip", ["-o", "link", "show", "type", "vxlan"])).match(/jsvx\d+/)?.[0];
    assert.ok(vx, "h1 has the network's VXLAN device");
    const fdb = async () => h1.exec("bridge", ["fdb", "show", "dev", vx!]);
    assert.match(await fdb(), new RegExp(`dst ${h2.addr.replace(/\./g, "\\.")}`));
    agents.agents[1]!.kill();
    await eventually(async () => !(await fdb()).includes(`dst ${h2.addr}`), { what: "h2's entries gone from h1's fdb", timeoutMs: 90_000 });
  });
});
