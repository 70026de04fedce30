import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type NodeRole, type NodeState } from "../../../schemas/index.js";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import { decideRemoveNode, decideUpdateNode, NODE_MESSAGES, type NodeSpecRequest } from "./node-decide.js";
import { checkServiceSpec, SPEC_MESSAGES } from "./spec-checks.js";

type Given = Pick<Envelope, "type" | "data" | "subject">;
function given(...events: Given[]): ClusterState {
  const s = initialClusterState();
  events.forEach((e, i) => evolve(s, { seq: i + 1, event: { ...e, id: `e${i}`, at: "2026-01-01T00:00:00Z", actor: { kind: "user", id: "t" } } as Envelope }));
  return s;
}
const cluster: Given = { type: "ClusterInitialized", subject: subjects.event("cluster", "default"),
  data: { clusterId: "c", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } };
const joined = (id: string, role: NodeRole): Given => ({ type: "NodeJoined", subject: subjects.event("node", id),
  data: { nodeId: id, name: id, role, availability: "active" } });
const status = (id: string, state: NodeState): Given => ({ type: "NodeStatusChanged", subject: subjects.event("node", id),
  data: { nodeId: id, state, message: "" } });
const code = (fn: () => unknown) => { try { fn(); } catch (e) { return e instanceof SwarmError ? [e.code, e.message] : ["?", String(e)]; } return undefined; };
const spec = (over: Partial<NodeSpecRequest> = {}): NodeSpecRequest => ({ Role: "worker", Availability: "active", ...over });

describe("node deciders", () => {
  // seq: 1 cluster, 2 m1 joined, 3 w1 joined, 4 w1 ready
  const world = () => given(cluster, joined("m1", "manager"), joined("w1", "worker"), status("w1", "ready"));

  it("update: the whole spec at the node's version → NodeUpdated expecting that version", () => {
    const [e] = decideUpdateNode(world(), "w1", 4, spec({ Availability: "drain", Labels: { zone: "a" } }), "r1");
    assert.equal(e?.type, "NodeUpdated");
    assert.equal(e?.expect, 4);
    assert.equal(e?.key, "node-update:r1");
    assert.deepEqual(e?.data, { nodeId: "w1", role: "worker", availability: "drain", labels: { zone: "a" } });
  });

  it("update: a stale version is out of sequence; an unknown node is not found; renaming is refused", () => {
    assert.deepEqual(code(() => decideUpdateNode(world(), "w1", 3, spec(), "r")), ["conflict", "update out of sequence"]);
    assert.deepEqual(code(() => decideUpdateNode(world(), "nope", 4, spec(), "r")), ["not_found", "node nope not found"]);
    assert.deepEqual(code(() => decideUpdateNode(world(), "w1", 4, spec({ Name: "other" }), "r")),
      ["invalid_argument", "changing Name is not supported yet"]);
    assert.equal(decideUpdateNode(world(), "w1", 4, spec({ Name: "w1" }), "r").length, 1);
  });

  it("demote: refused for the last manager, allowed once another manager exists", () => {
    assert.deepEqual(code(() => decideUpdateNode(world(), "m1", 2, spec(), "r")), ["failed_precondition", NODE_MESSAGES.lastManager]);
    const promoted = given(cluster, joined("m1", "manager"), joined("w1", "worker"),
      { type: "NodeUpdated", subject: subjects.event("node", "w1"), data: { nodeId: "w1", role: "manager", availability: "active", labels: {} } });
    const [e] = decideUpdateNode(promoted, "m1", 2, spec(), "r");
    assert.equal((e?.data as { role: string }).role, "worker");
  });

  it("rm: a manager never (even forced); a ready worker only with force; a down worker always", () => {
    assert.deepEqual(code(() => decideRemoveNode(world(), "m1", true, "r")), ["failed_precondition", NODE_MESSAGES.isManager("m1")]);
    assert.match(NODE_MESSAGES.isManager("m1"), /^rpc error: code = FailedPrecondition desc = node m1 is a cluster manager .* It must be demoted to worker before removal$/);
    assert.deepEqual(code(() => decideRemoveNode(world(), "w1", false, "r")), ["failed_precondition", NODE_MESSAGES.notDown("w1")]);
    const [forced] = decideRemoveNode(world(), "w1", true, "r2");
    assert.deepEqual([forced?.type, forced?.expect, forced?.data], ["NodeRemoved", 4, { nodeId: "w1", name: "w1" }]);
    const down = given(cluster, joined("m1", "manager"), joined("w1", "worker"), status("w1", "down"));
    assert.equal(decideRemoveNode(down, "w1", false, "r")[0]?.type, "NodeRemoved");
  });

  it("after NodeRemoved the node is gone from the projection", () => {
    const s = given(cluster, joined("m1", "manager"), joined("w1", "worker"),
      { type: "NodeRemoved", subject: subjects.event("node", "w1"), data: { nodeId: "w1" } });
    assert.deepEqual(code(() => decideRemoveNode(s, "w1", true, "r")), ["not_found", "node w1 not found"]);
  });
});

describe("service spec checks", () => {
  const svc = (extra: object) => ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "i" } }, ...extra });
  const cases: [string, object, string | undefined][] = [
    ["host port", { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }] } }, undefined],
    ["ingress port (explicit)", { EndpointSpec: { Ports: [{ TargetPort: 80, PublishMode: "ingress" }] } }, undefined],
    ["ingress port (default mode) with dnsrr", { EndpointSpec: { Mode: "dnsrr", Ports: [{ TargetPort: 80, PublishedPort: 8080 }] } }, SPEC_MESSAGES.dnsrrIngress],
    ["host port with dnsrr", { EndpointSpec: { Mode: "dnsrr", Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }] } }, undefined],
    ["duplicate host ports", { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }, { TargetPort: 81, PublishedPort: 8080, PublishMode: "host" }] } }, SPEC_MESSAGES.duplicatePorts],
    ["same port, other protocol", { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 53, PublishMode: "host" }, { TargetPort: 80, PublishedPort: 53, PublishMode: "host", Protocol: "udp" }] } }, undefined],
    ["good constraints", { TaskTemplate: { ContainerSpec: { Image: "i" }, Placement: { Constraints: ["node.labels.zone==a", "node.role != manager"] } } }, undefined],
    ["no operator", { TaskTemplate: { ContainerSpec: { Image: "i" }, Placement: { Constraints: ["node.labels.zone=a"] } } }, SPEC_MESSAGES.operator],
    ["bad key", { TaskTemplate: { ContainerSpec: { Image: "i" }, Placement: { Constraints: ["9x==a"] } } }, `TaskTemplate.Placement.Constraints: key '9x' is invalid in "9x==a"`],
  ];
  for (const [name, extra, want] of cases) {
    it(name, () => {
      const got = code(() => checkServiceSpec(svc(extra) as never));
      assert.deepEqual(got, want === undefined ? undefined : ["invalid_argument", want]);
    });
  }
});
