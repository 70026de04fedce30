import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { initialClusterState, type ClusterState, type NodeView } from "../../shared/model/index.js";
import { classicExprs, eligibleNodes, parseClassicExpr, placementConstraints, valueMatches, type PlacedContainer } from "./classic-filters.js";
import { containerServiceSpec, ContainerCreateBody } from "./container-spec.js";

/* Classic Swarm's filters translated to the nodes a container may go to, table-driven. */

function node(id: string, name: string, labels: Record<string, string>, engineLabels: Record<string, string> = {}, extra: Partial<NodeView> = {}): NodeView {
  return {
    id, name, role: "worker", availability: "active", labels, state: "ready", message: "", createdAt: "", updatedAt: "",
    description: {
      hostname: "host", os: "linux", architecture: "x86_64", nanoCpus: 2e9, memoryBytes: 4e9, engineVersion: "28", engineLabels, images: id === "id3" ? ["redis:latest"] : [],
      // n1 registered before the engine facts were recorded (an older agent): it has neither.
      ...(id === "id1" ? {} : { storageDriver: id === "id2" ? "overlay2" : "btrfs", kernelVersion: id === "id2" ? "6.18.0-jet" : "5.15.0-91-generic" }),
    },
    ...extra,
  };
}

function cluster(): ClusterState {
  const s = initialClusterState();
  s.nodes.set("id1", node("id1", "n1", { region: "us-east" }));
  s.nodes.set("id2", node("id2", "n2", { region: "eu-west" }, { storage: "ssd" }));
  s.nodes.set("id3", node("id3", "n3", {}, { region: "eu-north" }));
  s.nodes.set("id4", node("id4", "n4", { region: "eu-west" }, {}, { availability: "drain" }));
  return s;
}
const containers: PlacedContainer[] = [
  { id: "c1abc", name: "web", nodeId: "id2", image: "nginx:1" },
  { id: "c2def", name: "db", nodeId: "id1", image: "postgres" },
];
const eligible = (env: string[], labels: Record<string, string> = {}, dependsOn: string[] = []) =>
  eligibleNodes(cluster(), containers, { env, labels, dependsOn }).map((n) => n.name);

describe("classic filters", () => {
  const cases: Array<[string, string[], string[]]> = [
    ["no filter: every active node", [], ["n1", "n2", "n3"]],
    ["node by name", ["constraint:node==n2"], ["n2"]],
    ["node by id", ["constraint:node==id3"], ["n3"]],
    ["node !=", ["constraint:node!=n2"], ["n1", "n3"]],
    ["node label, then engine label, glob", ["constraint:region==eu-*"], ["n2", "n3"]],
    ["regular expression", ["constraint:region==/eu-(west|south)/"], ["n2"]],
    ["case-insensitive value", ["constraint:region==EU-WEST"], ["n2"]],
    ["!= passes a node without the label", ["constraint:region!=eu-west"], ["n1", "n3"]],
    ["engine label", ["constraint:storage==ssd"], ["n2"]],
    ["two constraints: both", ["constraint:region==eu*", "constraint:node!=n2"], ["n3"]],
    ["soft constraint honoured when some node satisfies it", ["constraint:region==~us-*"], ["n1"]],
    ["soft constraint dropped when none does", ["constraint:region==~ap-*"], ["n1", "n2", "n3"]],
    ["affinity to a container's node", ["affinity:container==web"], ["n2"]],
    ["affinity by container id prefix", ["affinity:container==c2"], ["n1"]],
    ["anti-affinity", ["affinity:container!=web"], ["n1", "n3"]],
    ["image affinity: image on the node", ["affinity:image==redis"], ["n3"]],
    ["image affinity: a container's image", ["affinity:image==postgres"], ["n1"]],
    ["operating system", ["constraint:operatingsystem==linux"], ["n1", "n2", "n3"]],
    ["health", ["constraint:health==healthy"], ["n1", "n2", "n3"]],
    ["storage driver", ["constraint:storagedriver==overlay2"], ["n2"]],
    ["storage driver !=: a node that reports none passes", ["constraint:storagedriver!=overlay2"], ["n1", "n3"]],
    ["kernel version glob", ["constraint:kernelversion==6.*"], ["n2"]],
    ["kernel version regex, key in any case", ["constraint:KernelVersion==/5\\.15\\..*/"], ["n3"]],
  ];
  for (const [what, env, want] of cases) it(what, () => assert.deepEqual(eligible([...env, "KEEP=1"]), want));

  it("com.docker.swarm.constraints / affinities labels", () => {
    assert.deepEqual(eligible([], { "com.docker.swarm.constraints": '["region==eu*"]', "com.docker.swarm.affinities": '["container==web"]' }), ["n2"]);
    assert.throws(() => eligible([], { "com.docker.swarm.constraints": "region==eu" }), /must be a JSON array of strings/);
  });

  it("dependencies (--volumes-from, --link, --net=container:) keep it with its target", () => {
    assert.deepEqual(eligible([], {}, ["db"]), ["n1"]);
    assert.throws(() => eligible([], {}, ["ghost"]), /no such container: ghost/);
  });

  it("nothing satisfies: classic Swarm's message naming the conditions", () => {
    assert.throws(() => eligible(["constraint:node==n9", "constraint:region==eu*"]),
      { message: "unable to find a node that satisfies the following conditions [node==n9 region==eu*]" });
    assert.throws(() => eligible(["constraint:node==n4"]), /unable to find a node/, "a drained node takes nothing");
    assert.throws(() => eligible(["constraint:storagedriver==nosuch"]), { message: "unable to find a node that satisfies the following conditions [storagedriver==nosuch]" });
  });

  it("malformed expressions are refused by name", () => {
    assert.throws(() => parseClassicExpr("constraint", "region=eu"), /constraint:region=eu: expected one operator/);
    assert.throws(() => parseClassicExpr("constraint", "region=="), /value is empty/);
    assert.throws(() => parseClassicExpr("affinity", "volume==x"), /only container and image affinities/);
    assert.throws(() => parseClassicExpr("constraint", "a==/(/"), /invalid regular expression/);
  });

  it("the classic expressions leave the environment; the rest stays", () => {
    assert.deepEqual(classicExprs({ env: ["constraint:node==n1", "A=1", "affinity:image==x"], labels: {} }).env, ["A=1"]);
  });

  it("globs match whole values", () => {
    assert.equal(valueMatches("eu*", "eu-west"), true);
    assert.equal(valueMatches("eu", "eu-west"), false);
    assert.equal(valueMatches("e?-west", "eu-west"), true);
    assert.equal(valueMatches("a.b", "axb"), false);
  });

  it("the eligible set as scheduler constraints", () => {
    const s = cluster();
    assert.deepEqual(placementConstraints(s, [s.nodes.get("id2")!]), ["node.id==id2"]);
    assert.deepEqual(placementConstraints(s, [s.nodes.get("id1")!, s.nodes.get("id2")!]), ["node.id!=id3", "node.id!=id4"]);
  });
});

describe("docker run as a container's spec", () => {
  const body = (x: object) => ContainerCreateBody.parse({ Image: "img", ...x });
  it("maps command, env, restart, resources and ports", () => {
    const spec = containerServiceSpec("web", body({
      Cmd: ["sleep", "1"], Entrypoint: null, Labels: { a: "b" },
      HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 }, Memory: 64 * 1024 * 1024, CpuShares: 1, PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] } },
    }), ["A=1"], ["node.id==x"]);
    assert.deepEqual(spec.Labels, { "jetswarm.container": "classic" });
    assert.deepEqual(spec.Mode, { Replicated: { Replicas: 1 } });
    const t = spec.TaskTemplate;
    assert.deepEqual(t.ContainerSpec, { Image: "img", Labels: { a: "b" }, Args: ["sleep", "1"], Env: ["A=1"] });
    assert.deepEqual(t.RestartPolicy, { Delay: 100_000_000, Condition: "on-failure", MaxAttempts: 3 });
    assert.deepEqual(t.Resources?.Reservations, { NanoCPUs: 1e9, MemoryBytes: 64 * 1024 * 1024 });
    assert.deepEqual(t.Placement, { Constraints: ["node.id==x"] });
    assert.deepEqual(spec.EndpointSpec?.Ports, [{ Protocol: "tcp", TargetPort: 80, PublishMode: "host", PublishedPort: 8080 }]);
  });
  it("restart policies: no, always, unless-stopped", () => {
    const policy = (Name: string) => containerServiceSpec("x", body({ HostConfig: { RestartPolicy: { Name } } }), [], []).TaskTemplate.RestartPolicy?.Condition;
    assert.deepEqual([policy("no"), policy(""), policy("always"), policy("unless-stopped")], ["none", "none", "any", "any"]);
    assert.throws(() => policy("sometimes"), /invalid restart policy "sometimes"/);
  });
  it("refuses what it cannot run, by name", () => {
    assert.throws(() => containerServiceSpec("x", body({ HostConfig: { Privileged: true } }), [], []), /HostConfig.Privileged: not supported/);
    assert.throws(() => containerServiceSpec("x", body({ HostConfig: { NetworkMode: "host" } }), [], []), /NetworkMode: "host" is not supported/);
    assert.throws(() => containerServiceSpec("x", body({ Labels: { "jetswarm.classic.deps": "{}" } }), [], []), /jetswarm.classic.deps is jetswarm's own label/);
    assert.doesNotThrow(() => containerServiceSpec("x", body({ HostConfig: { Privileged: false, AutoRemove: false, Devices: [] } }), [], []));
  });
});
