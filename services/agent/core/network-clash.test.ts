import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inTheWay, ofThisCluster, planClear, subnetsOverlap, type ClusterSelf, type EngineNetwork, type Obstacle } from "./network-clash.js";

const self: ClusterSelf = { nodeId: "me", clusterId: "c1", members: new Set(["me", "peer"]) };
const want = { dockerName: "jetswarm-ing", name: "ingress", subnet: "10.0.0.0/24", claims: true };
const js = (name: string, subnet: string, nodeId: string, clusterId?: string): EngineNetwork =>
  ({ name, subnets: [subnet], jetswarm: { networkId: name.replace("jetswarm-", ""), nodeId, ...(clusterId ? { clusterId } : {}) } });
const obstacle = (n: EngineNetwork, inUse = false): Obstacle => ({ ...n, inUse });

describe("network clash: which cluster a jetswarm network is of", () => {
  const cases: [string, Parameters<typeof ofThisCluster>[0], ClusterSelf, boolean][] = [
    ["this node's own, whatever its label", { networkId: "x", nodeId: "me", clusterId: "old" }, self, true],
    ["another node, this cluster's label (several agents on one engine)", { networkId: "x", nodeId: "other", clusterId: "c1" }, self, true],
    ["another cluster's label, even for a node the maps name", { networkId: "x", nodeId: "peer", clusterId: "c0" }, self, false],
    ["no label (an older agent's): a node the maps name", { networkId: "x", nodeId: "peer" }, self, true],
    ["no label: a node no map names", { networkId: "x", nodeId: "fmy8na1m4lgrqpvl0u4d7c28a" }, self, false],
    ["maps without a cluster id: by node", { networkId: "x", nodeId: "stranger", clusterId: "c0" }, { ...self, clusterId: undefined }, false],
    ["maps without a cluster id: a member", { networkId: "x", nodeId: "peer", clusterId: "c0" }, { ...self, clusterId: undefined }, true],
  ];
  for (const [name, n, s, expected] of cases) it(name, () => assert.equal(ofThisCluster(n, s), expected));
});

describe("network clash: subnets", () => {
  const cases: [string, string, boolean][] = [
    ["10.0.0.0/24", "10.0.0.0/24", true], ["10.0.0.0/24", "10.0.1.0/24", false], ["10.0.0.0/16", "10.0.7.0/24", true],
    ["10.0.7.0/24", "10.0.0.0/16", true], ["10.0.0.128/25", "10.0.0.0/25", false], ["172.17.0.0/16", "10.0.0.0/8", false],
  ];
  for (const [a, b, expected] of cases) it(`${a} vs ${b}: ${expected}`, () => assert.equal(subnetsOverlap(a, b), expected));
});

describe("network clash: what is in the way of a create", () => {
  it("overlapping subnets of any network, and the name taken by another cluster's; not a network elsewhere or the name shared in this cluster", () => {
    const engine: EngineNetwork[] = [
      js("jetswarm-old", "10.0.0.0/24", "gone", "c0"),
      js("jetswarm-far", "10.9.0.0/24", "gone", "c0"),
      { name: "user-net", subnets: ["10.0.0.0/16"] },
      { name: "bridge", subnets: ["172.17.0.0/16"] },
      { name: "host", subnets: [] },
      js("jetswarm-ing", "10.0.5.0/24", "gone", "c0"),
    ];
    assert.deepEqual(inTheWay(want, engine, self).map((n) => n.name), ["jetswarm-old", "user-net", "jetswarm-ing"]);
    assert.deepEqual(inTheWay(want, [js("jetswarm-ing", "10.0.5.0/24", "peer", "c1")], self), []);
  });
});

describe("network clash: what is cleared, what blocks", () => {
  it("another cluster's network no container uses is removed, and nothing blocks", () => {
    const stale = obstacle(js("jetswarm-old", "10.0.0.0/24", "fmy8na1m4lgrqpvl0u4d7c28a"));
    assert.deepEqual(planClear(want, [stale], self), { remove: [stale] });
  });
  it("without a claim (the ingress kept built, nothing needs it here) another cluster's unused network stays: two idle clusters never take turns", () => {
    const idle = js("jetswarm-idle", "10.0.0.0/24", "n9", "c0");
    assert.deepEqual(planClear({ ...want, claims: false }, [obstacle(idle)], self), {
      remove: [], blocked: { message: "network ingress: subnet 10.0.0.0/24 overlaps docker network jetswarm-idle (of another cluster; removed once a task here needs the network)", final: false },
    });
  });
  it("another cluster's network in use is kept, and named to the tasks: final", () => {
    const live = js("jetswarm-live", "10.0.0.0/24", "n9", "c0");
    assert.deepEqual(planClear(want, [obstacle(live, true)], self), {
      remove: [], blocked: { message: "network ingress: subnet 10.0.0.0/24 overlaps docker network jetswarm-live (in use by another cluster)", final: true },
    });
  });
  it("a network jetswarm did not make is never removed, even unused: final", () => {
    const p = planClear(want, [obstacle({ name: "mine", subnets: ["10.0.0.0/16"] })], self);
    assert.deepEqual(p.remove, []);
    assert.equal(p.blocked?.final, true);
    assert.match(p.blocked?.message ?? "", /overlaps docker network mine \(not made by jetswarm/);
  });
  it("a network of this cluster (another agent's, unused) is not touched: waited for, not final", () => {
    const p = planClear(want, [obstacle(js("jetswarm-prev", "10.0.0.0/24", "peer", "c1"))], self);
    assert.deepEqual(p, { remove: [], blocked: { message: "network ingress: subnet 10.0.0.0/24 overlaps docker network jetswarm-prev (of this cluster, node peer)", final: false } });
  });
  it("the name taken by another cluster's network in use says so; a final reason wins over a passing one", () => {
    const p = planClear(want, [obstacle(js("jetswarm-prev", "10.0.0.0/24", "peer", "c1")), obstacle(js("jetswarm-ing", "10.0.0.0/24", "x", "c0"), true)], self);
    assert.deepEqual(p.blocked, { message: "network ingress: name jetswarm-ing is taken by docker network jetswarm-ing (in use by another cluster)", final: true });
  });
});
