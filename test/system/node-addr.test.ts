import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { joinAgent, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import { joinCluster } from "../../deploy/launcher/join.js";
import { wireVni } from "../../schemas/index.js";

const run = promisify(execFile);

/** A non-loopback IPv4 address of this host (Docker's bridge always has one). */
function hostAddress(): string {
  const all = Object.entries(networkInterfaces()).flatMap(([name, list]) => (list ?? []).map((a) => ({ name, ...a })));
  const v4 = all.filter((a) => a.family === "IPv4" && !a.internal && !/^(jsbr|jsvx|jst|veth)/.test(a.name));
  const pick = v4.find((a) => a.name === "docker0") ?? v4[0];
  if (!pick) throw new Error("no non-loopback IPv4 address on this host");
  return pick.address;
}

interface NodeDoc { ID: string; Status: { Addr?: string } }
interface VxlanLink { ifname: string; linkinfo?: { info_data?: { id?: number; local?: string } } }

/*
 * The node address (DESIGN §6b: VTEP and `Status.Addr`): a node joined through the manager's
 * non-loopback address registers with the address of the interface that routes there, and its
 * VXLAN device uses it; `--data-path-addr` wins over `--advertise-addr`; a bad one joins nothing.
 */
describe("swarm join: the node's address", { timeout: 180_000 }, () => {
  let c: TestCluster;
  const addr = hostAddress();

  before(async () => {
    c = await startTestCluster("nodeaddr", { apiAddr: `${addr}:${await freePort()}` });
  });
  after(async () => {
    await c?.cleanup();
  });

  it("derived: the address toward the manager is Status.Addr and the VXLAN device's local address, the device named by the cluster's wire VNI", async () => {
    const w = await joinAgent(c, "na1");
    assert.equal(w.addr, addr);
    await eventually(async () => (await c.get<NodeDoc>(`/nodes/${w.nodeId}`)).Status.Addr === addr || undefined, { what: `Status.Addr ${addr}` });
    await c.swarm("network", "create", "-d", "overlay", "nanet");
    await c.swarm("service", "create", "--name", "naweb", "--network", "nanet", "--constraint", `node.id==${w.nodeId}`, "jetswarm-test/busybox:1", "sleep", "3600");
    await eventually(async () => (await w.containers({ running: true })).length === 1 || undefined, { timeoutMs: 60_000, what: "naweb running on na1" });
    const net = await c.get<{ Options: Record<string, string> }>("/networks/nanet");
    const clusterId = (await c.get<{ ID: string }>("/swarm")).ID;
    const wire = wireVni({ vni: Number(net.Options["com.docker.network.driver.overlay.vxlanid_list"]), clusterId });
    const [link] = JSON.parse((await run("ip", ["-d", "-j", "link", "show", `jsvx${wire}`])).stdout) as VxlanLink[];
    assert.equal(link?.linkinfo?.info_data?.id, wire);
    assert.equal(link?.linkinfo?.info_data?.local, addr);
  });

  it("given: --data-path-addr wins over --advertise-addr (its port dropped); a bad one is refused before anything joins", async () => {
    const w = await joinAgent(c, "na2", "worker", { advertiseAddr: "lo:2377", dataPathAddr: "198.51.100.7" });
    assert.equal(w.addr, "198.51.100.7");
    await eventually(async () => (await c.get<NodeDoc>(`/nodes/${w.nodeId}`)).Status.Addr === "198.51.100.7" || undefined, { what: "Status.Addr 198.51.100.7" });
    const before = (await c.get<NodeDoc[]>("/nodes")).length;
    const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-na3-"));
    try {
      const info = await c.get<{ JoinTokens: { Worker: string } }>("/swarm");
      await assert.rejects(
        joinCluster({ manager: c.apiUrl, token: info.JoinTokens.Worker, nodeName: "na3", dataDir, natsUrl: c.natsUrl, bus: c.bus, secure: c.bus !== undefined, dataPathAddr: "nosuchif0" }),
        /invalid --data-path-addr "nosuchif0": must be an IPv4 address or the name of an interface of this host/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    assert.equal((await c.get<NodeDoc[]>("/nodes")).length, before, "no node joined");
  });
});
