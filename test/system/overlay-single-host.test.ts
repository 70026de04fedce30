import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { IMAGE, docker, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * `swarm up` on one host, no extra step: the local agent builds the network's bridge (and its
 * VXLAN device, ready for a second node) on the host's engine, and the tasks run on it with the
 * allocator's addresses and reach each other.
 */

const run = promisify(execFile);
let c: TestCluster;

describe("overlay on a single host (swarm up)", { timeout: 300_000 }, () => {
  before(async () => { c = await startTestCluster("ovl-single"); });
  after(async () => { await c?.cleanup(); });

  it("a service on an overlay network runs attached with its allocated addresses; its tasks reach each other", async () => {
    await c.swarm("network", "create", "-d", "overlay", "--subnet", "10.231.7.0/24", "single");
    await c.swarm("service", "create", "--detach", "--name", "one", "--network", "single", "--replicas", "2", IMAGE, "sleep", "3600");
    const running = await eventually(async () => {
      const list = await c.containers({ running: true, service: "one" });
      return list.length === 2 ? list : undefined;
    }, { what: "two running tasks", timeoutMs: 90_000 });
    const addrs: string[] = [];
    for (const t of running!) {
      const nets = (await docker.getContainer(t.Id).inspect()).NetworkSettings.Networks;
      const [name, ep] = Object.entries(nets).find(([n]) => n.startsWith("jetswarm-")) ?? [];
      assert.ok(name && ep, `task container attached to its network's local bridge network (has ${Object.keys(nets).join(", ")})`);
      assert.match(ep.IPAddress, /^10\.231\.7\.\d+$/);
      assert.equal(ep.MacAddress, `02:42:${ep.IPAddress.split(".").map((b) => Number(b).toString(16).padStart(2, "0")).join(":")}`);
      addrs.push(ep.IPAddress);
    }
    // One lost echo on a loaded machine is not a broken network: a few tries, each a single ping.
    await eventually(() => run("docker", ["exec", running![0]!.Id, "ping", "-c", "1", "-W", "2", addrs[1]!]).then(() => true),
      { what: `${addrs[0]} pinging ${addrs[1]}`, timeoutMs: 30_000 });
  });
});
