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
 * DESIGN §6b's failure mode "dockerd recreating a bridge": a test host's dockerd restarted under a
 * running agent (its containers die with it, its bridge networks come back from its data). The
 * agent's resync repairs the rest: the VXLAN device on the bridge again, the fdb/neighbour entries,
 * the replacement task on the overlay — which reaches the other host's task, and back.
 */

const run = promisify(execFile);
let c: TestCluster;
let hosts: TestHosts;
let agents: NetnsAgents;

async function taskOn(h: TestHost): Promise<Docker.ContainerInfo | undefined> {
  return (await h.docker.listContainers({ filters: { label: ["jetswarm.service.name=rst"], status: ["running"] } }))[0];
}
async function addressOf(h: TestHost, id: string): Promise<string> {
  const nets = (await h.docker.getContainer(id).inspect()).NetworkSettings.Networks;
  const ip = Object.entries(nets).find(([n]) => n.startsWith("jetswarm-"))?.[1]?.IPAddress;
  if (!ip) throw new Error(`container ${id} has no overlay address: ${JSON.stringify(Object.keys(nets))}`);
  return ip;
}
const ping = (h: TestHost, id: string, ip: string) =>
  run("docker", ["exec", id, "ping", "-c", "1", "-W", "2", ip], { env: { ...process.env, DOCKER_HOST: h.dockerHost } }).then(() => true, () => false);

interface Link { ifname: string; master?: string; linkinfo?: { info_kind?: string } }

describe("overlay: a host's dockerd restarted", { timeout: 600_000 }, () => {
  before(async () => {
    c = await startTestCluster("ovl-rst");
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

  it("the agent's resync puts the VXLAN device back on the bridge and the replacement task reaches the other host's, and back", async () => {
    await c.swarm("network", "create", "-d", "overlay", "rstnet");
    await c.swarm("service", "create", "--detach", "--name", "rst", "--network", "rstnet", "--replicas", "2", "--replicas-max-per-node", "1",
      // dockerd's shutdown waits out each container's stop timeout (the grace period; the sleep as pid 1 ignores SIGTERM).
      "--stop-grace-period", "1s", IMAGE, "sleep", "3600");
    const [h1, h2] = hosts.hosts as [TestHost, TestHost];
    const pair = async () => {
      const a = await taskOn(h1);
      const b = await taskOn(h2);
      return a && b ? [a, b] as const : undefined;
    };
    const [before1, t2] = await eventually(pair, { what: "a running task on each host", timeoutMs: 120_000 }) as readonly [Docker.ContainerInfo, Docker.ContainerInfo];
    await eventually(async () => ping(h2, t2.Id, await addressOf(h1, before1.Id)), { what: "h2 → h1 before the restart", timeoutMs: 30_000 });

    await h1.restartDockerd();

    // Its task died with the engine: a replacement (another container) runs on h1 again.
    const after1 = await eventually(async () => {
      const t = await taskOn(h1);
      return t && t.Id !== before1.Id ? t : undefined;
    }, { what: "a replacement task running on h1", timeoutMs: 120_000 }) as Docker.ContainerInfo;
    const ip1 = await addressOf(h1, after1.Id);
    const ip2 = await addressOf(h2, t2.Id);
    await eventually(() => ping(h2, t2.Id, ip1), { what: `h2's task pinging h1's new task ${ip1}`, timeoutMs: 60_000 });
    await eventually(() => ping(h1, after1.Id, ip2), { what: `h1's new task pinging h2's ${ip2}`, timeoutMs: 30_000 });
    const links = JSON.parse(await h1.exec("ip", ["-d", "-j", "link", "show"])) as Link[];
    const vx = links.find((l) => l.linkinfo?.info_kind === "vxlan");
    assert.ok(vx?.master?.startsWith("jsbr"), `h1's VXLAN device is on the network's bridge: ${JSON.stringify(vx)}`);
  });
});
