import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NetMapDoc } from "../../../schemas/index.js";
import { desiredPlumbing, diffFdb, diffNeigh, dockerNetworkCreate, vxlanNeedsRecreate } from "./overlay-plan.js";

function map(over: Partial<NetMapDoc> = {}): NetMapDoc {
  return {
    networkId: "netA", name: "front", ingress: false, internal: false, attachable: false, vni: 4097,
    subnet: "10.0.1.0/24", gateway: "10.0.1.1", mtu: 1450, seq: 7, removed: false,
    nodes: [{ nodeId: "n1", addr: "192.168.77.1", gateway: "10.0.1.2" }, { nodeId: "n2", addr: "192.168.77.2", gateway: "10.0.1.3" }],
    endpoints: [
      { taskId: "t1", serviceId: "s", serviceName: "web", slot: 1, nodeId: "n1", address: "10.0.1.10/24", mac: "02:42:0a:00:01:0a", aliases: [], serving: true },
      { taskId: "t2", serviceId: "s", serviceName: "web", slot: 2, nodeId: "n2", address: "10.0.1.11/24", mac: "02:42:0a:00:01:0b", aliases: [], serving: true },
      { taskId: "t3", serviceId: "s", serviceName: "web", slot: 3, nodeId: "n3", address: "10.0.1.12/24", mac: "02:42:0a:00:01:0c", aliases: [], serving: true },
    ],
    services: [],
    ...over,
  };
}
const maps = (...ms: NetMapDoc[]) => new Map(ms.map((m) => [m.networkId, m]));

describe("overlay plan: which networks", () => {
  it("a network with a local task is built with this node's own gateway, bridge jsbr<vni>, VXLAN jsvx<vni>", () => {
    const [p] = desiredPlumbing(maps(map()), new Set(["netA"]), "n1", "192.168.77.1");
    assert.equal(p?.gateway, "10.0.1.2");
    assert.equal(p?.bridge, "jsbr4097");
    assert.equal(p?.vxlan, "jsvx4097");
    assert.equal(p?.dockerName, "jetswarm-netA");
    assert.equal(p?.bridgeMac, "02:42:0a:00:01:02");
  });
  it("with the map's cluster id, the wire VNI and the device names are the cluster's: two clusters' networks of one VNI never meet on a kernel", () => {
    const a = desiredPlumbing(maps(map({ clusterId: "clusterone" })), new Set(["netA"]), "n1", "192.168.77.1")[0]!;
    const b = desiredPlumbing(maps(map({ clusterId: "clustertwo" })), new Set(["netA"]), "n1", "192.168.77.1")[0]!;
    assert.notEqual(a.vni, b.vni);
    assert.notEqual(a.bridge, b.bridge);
    assert.notEqual(a.vxlan, b.vxlan);
    assert.notEqual(dockerNetworkCreate(a, "n1").Labels["jetswarm.network.config"], dockerNetworkCreate(b, "n1").Labels["jetswarm.network.config"]);
    for (const p of [a, b]) {
      assert.equal(p.bridge, `jsbr${p.vni}`);
      assert.equal(p.vxlan, `jsvx${p.vni}`);
      assert.ok(p.bridge.length <= 15 && p.vxlan.length <= 15, p.bridge);
      assert.ok(p.vni >= 1 && p.vni <= 16_777_215);
    }
    const again = desiredPlumbing(maps(map({ clusterId: "clusterone" })), new Set(["netA"]), "n2", "192.168.77.2")[0]!;
    assert.equal(again.vni, a.vni, "every node of a cluster agrees");
  });
  it("no local task → nothing; ingress → always (also with nothing published), once this node has a gateway in the map", () => {
    const published = { serviceId: "s", name: "web", endpointMode: "vip" as const, vip: "10.0.1.4/24", aliases: [], ports: [{ Protocol: "tcp" as const, TargetPort: 80, PublishedPort: 30080, PublishMode: "ingress" as const }] };
    assert.deepEqual(desiredPlumbing(maps(map()), new Set(), "n1", "192.168.77.1"), []);
    assert.equal(desiredPlumbing(maps(map({ ingress: true })), new Set(), "n1", "192.168.77.1").length, 1, "nothing published: kept built");
    assert.deepEqual(desiredPlumbing(maps(map({ ingress: true })), new Set(), "n9", "192.168.77.9"), [], "no gateway for this node: nothing");
    assert.equal(desiredPlumbing(maps(map({ ingress: true, services: [published] })), new Set(), "n1", "192.168.77.1").length, 1);
    assert.deepEqual(desiredPlumbing(maps(map({ ingress: true, services: [published] })), new Set(), "n9", "192.168.77.9"), []);
  });
  it("a removed map builds nothing even with a local task", () => {
    assert.deepEqual(desiredPlumbing(maps(map({ removed: true })), new Set(["netA"]), "n1", "192.168.77.1"), []);
  });
});

describe("overlay plan: fdb and neighbour entries", () => {
  const [p] = desiredPlumbing(maps(map()), new Set(["netA"]), "n1", "192.168.77.1");
  it("every remote endpoint and every remote gateway; none for local ones or endpoints of nodes without a VTEP", () => {
    assert.deepEqual(p?.fdb, [{ mac: "02:42:0a:00:01:03", dst: "192.168.77.2" }, { mac: "02:42:0a:00:01:0b", dst: "192.168.77.2" }]);
    assert.deepEqual(p?.neigh, [{ ip: "10.0.1.11", mac: "02:42:0a:00:01:0b" }, { ip: "10.0.1.3", mac: "02:42:0a:00:01:03" }]);
  });
  it("diffs: missing added, stale deleted, a moved MAC deleted then added", () => {
    const d = diffFdb([{ mac: "a", dst: "1" }, { mac: "b", dst: "1" }, { mac: "c", dst: "9" }], [{ mac: "a", dst: "1" }, { mac: "c", dst: "2" }, { mac: "d", dst: "2" }]);
    assert.deepEqual(d.add, [{ mac: "c", dst: "2" }, { mac: "d", dst: "2" }]);
    assert.deepEqual(d.del, [{ mac: "b", dst: "1" }, { mac: "c", dst: "9" }]);
    const n = diffNeigh([{ ip: "x", mac: "1" }, { ip: "y", mac: "1" }, { ip: "z", mac: "3" }], [{ ip: "x", mac: "1" }, { ip: "y", mac: "2" }]);
    assert.deepEqual(n.add, [{ ip: "y", mac: "2" }]);
    assert.deepEqual(n.del, [{ ip: "z", mac: "3" }]);
  });
});

describe("overlay plan: claims", () => {
  it("a network a local task uses claims its subnet; the ingress only with published ports; the ingress kept built without them does not", () => {
    const ing = (ports: number) => map({ networkId: "ing", ingress: true, services: [{ serviceId: "s", name: "web", endpointMode: "vip", aliases: [], ports: Array.from({ length: ports }, () => ({ Protocol: "tcp" as const, TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" as const })) }] });
    const claims = (m: NetMapDoc, used: string[]) => desiredPlumbing(maps(m), new Set(used), "n1", "192.168.77.1")[0]?.claims;
    assert.equal(claims(map(), ["netA"]), true);
    assert.equal(claims(ing(0), []), false);
    assert.equal(claims(ing(1), []), true);
    assert.equal(claims(ing(0), ["ing"]), true);
  });
});

describe("overlay plan: devices", () => {
  const [p] = desiredPlumbing(maps(map()), new Set(["netA"]), "n1", "192.168.77.1");
  it("the Docker network: subnet, this node's gateway, no automatic addresses, bridge name, MTU, icc", () => {
    const c = dockerNetworkCreate(p!, "n1");
    assert.equal(c.Labels["jetswarm.node.id"], "n1");
    assert.deepEqual(c.IPAM.Config, [{ Subnet: "10.0.1.0/24", Gateway: "10.0.1.2", IPRange: "10.0.1.2/32" }]);
    assert.equal(c.Options["com.docker.network.bridge.name"], "jsbr4097");
    assert.equal(c.Options["com.docker.network.driver.mtu"], "1450");
    assert.equal(c.Options["com.docker.network.bridge.enable_icc"], "true");
  });
  it("labelled with the map's cluster id (whose it is, when another cluster meets it on this engine); none without one", () => {
    const [q] = desiredPlumbing(maps(map({ clusterId: "clusterone" })), new Set(["netA"]), "n1", "192.168.77.1");
    assert.equal(dockerNetworkCreate(q!, "n1").Labels["jetswarm.cluster.id"], "clusterone");
    assert.equal("jetswarm.cluster.id" in dockerNetworkCreate(p!, "n1").Labels, false);
  });
  it("a VXLAN device with other settings is made again", () => {
    const ok = { id: 4097, local: "192.168.77.1", port: 4789, learning: false, proxy: true, mtu: 1450, up: true };
    assert.equal(vxlanNeedsRecreate(ok, p!), false);
    assert.equal(vxlanNeedsRecreate({ ...ok, local: "192.168.77.5" }, p!), true);
    assert.equal(vxlanNeedsRecreate({ ...ok, learning: true }, p!), true);
    assert.equal(vxlanNeedsRecreate({ ...ok, proxy: false }, p!), true);
  });
});
