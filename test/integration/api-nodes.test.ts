import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { subjects, type Envelope, type NodeState } from "../../schemas/index.js";
import { eventually } from "../helpers/eventually.js";
import { startInProcessApi, type InProcessApi } from "../helpers/in-process-api.js";

/* The node routes of the api against a real nats-server: update, promote/demote, rm, and their refusals. */
let t: InProcessApi;
let store: JetStreamEventStore;

const call: InProcessApi["call"] = (method, path, body) => t.call(method, path, body);
const node = async (id: string) => (await call("GET", `/nodes/${id}`)).body;

/** Plays the dispatcher: the node's status as the api's projection will see it. */
async function setStatus(nodeId: string, state: NodeState): Promise<void> {
  const before = (await node(nodeId)).Version.Index as number;
  const event: Envelope = {
    id: `st-${nodeId}-${state}-${before}`, type: "NodeStatusChanged", subject: subjects.event("node", nodeId),
    at: new Date().toISOString(), actor: { kind: "service", id: "test" }, data: { nodeId, state, message: "" },
  };
  await store.append({ event, expectedLastSubjectSeq: before, msgId: event.id });
  await eventually(async () => (await node(nodeId)).Status.State === state, { what: `node ${nodeId} ${state}` });
}

let managerId = "";
let workerId = "";

before(async () => {
  t = await startInProcessApi("api-nodes");
  store = t.store;
  managerId = (await call("POST", "/swarm/init", { NodeName: "m1" })).body.NodeID;
  const { body: info } = await call("GET", "/swarm");
  workerId = (await call("POST", "/jetswarm/join", { JoinToken: info.JoinTokens.Worker, NodeName: "w1" })).body.NodeID;
  await setStatus(workerId, "ready");
});
after(async () => {
  await t?.stop();
});

describe("api: nodes", () => {
  it("updates availability and labels at the current version; the next read shows them", async () => {
    const n = await node(workerId);
    const r = await call("POST", `/nodes/${workerId}/update?version=${n.Version.Index}`,
      { ...n.Spec, Availability: "drain", Labels: { zone: "a" } });
    assert.equal(r.status, 200);
    const after = await node(workerId);
    assert.equal(after.Spec.Availability, "drain");
    assert.deepEqual(after.Spec.Labels, { zone: "a" });
    assert.ok(after.Version.Index > n.Version.Index);
    const labelled = await call("GET", `/nodes?filters=${encodeURIComponent(JSON.stringify({ "node.label": ["zone=a"] }))}`);
    assert.deepEqual(labelled.body.map((x: any) => x.ID), [workerId]);
  });

  it("refuses a stale version, a bad body (naming the field) and an unknown node, appending nothing", async () => {
    const head = await store.headSeq();
    const n = await node(workerId);
    const stale = await call("POST", `/nodes/${workerId}/update?version=${n.Version.Index - 1}`, n.Spec);
    assert.deepEqual([stale.status, stale.body.message], [409, "update out of sequence"]);
    const bad = await call("POST", `/nodes/${workerId}/update?version=${n.Version.Index}`, { ...n.Spec, Availability: "sleepy" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /Availability/);
    const noVersion = await call("POST", `/nodes/${workerId}/update`, n.Spec);
    assert.equal(noVersion.status, 400);
    assert.equal((await call("POST", `/nodes/nope/update?version=1`, n.Spec)).status, 404);
    assert.equal(await store.headSeq(), head);
  });

  it("refuses to demote the last manager; promote then demote works", async () => {
    const m = await node(managerId);
    const demote = await call("POST", `/nodes/${managerId}/update?version=${m.Version.Index}`, { ...m.Spec, Role: "worker" });
    assert.deepEqual([demote.status, demote.body.message],
      [412, "rpc error: code = FailedPrecondition desc = attempting to demote the last manager of the swarm"]);
    const w = await node(workerId);
    assert.equal((await call("POST", `/nodes/${workerId}/update?version=${w.Version.Index}`, { ...w.Spec, Role: "manager" })).status, 200);
    assert.equal((await node(workerId)).Spec.Role, "manager");
    assert.ok((await node(workerId)).ManagerStatus, "a manager shows a manager status");
    const w2 = await node(workerId);
    assert.equal((await call("POST", `/nodes/${workerId}/update?version=${w2.Version.Index}`, { ...w2.Spec, Role: "worker" })).status, 200);
    assert.equal((await node(workerId)).Spec.Role, "worker");
  });

  it("rm: a manager is refused; a ready worker only with force; a down one without", async () => {
    const m = await call("DELETE", `/nodes/${managerId}?force=true`);
    assert.equal(m.status, 412);
    assert.equal(m.body.message, `rpc error: code = FailedPrecondition desc = node ${managerId} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`);
    const ready = await call("DELETE", `/nodes/${workerId}`);
    assert.deepEqual([ready.status, ready.body.message], [412, `rpc error: code = FailedPrecondition desc = node ${workerId} is not down and can't be removed`]);
    assert.equal((await call("DELETE", `/nodes/${workerId}?force=yes`)).status, 400);
    assert.equal((await call("DELETE", `/nodes/${workerId}?force=true`)).status, 200);
    assert.equal((await call("GET", `/nodes/${workerId}`)).status, 404);

    const { body: info } = await call("GET", "/swarm");
    const w2 = (await call("POST", "/jetswarm/join", { JoinToken: info.JoinTokens.Worker, NodeName: "w2" })).body.NodeID;
    await setStatus(w2, "down");
    assert.equal((await call("DELETE", `/nodes/${w2}`)).status, 200);
    assert.deepEqual((await call("GET", "/nodes")).body.map((x: any) => x.ID), [managerId]);
  });

  it("accepts ingress-mode published ports (the default) but not with dnsrr; an ingress port is one service's", async () => {
    const spec = (Name: string, ports: unknown[], Mode?: string) =>
      ({ Name, TaskTemplate: { ContainerSpec: { Image: "busybox:1" } }, EndpointSpec: { ...(Mode ? { Mode } : {}), Ports: ports } });
    const rr = await call("POST", "/services/create", spec("rr", [{ TargetPort: 80, PublishedPort: 8080 }], "dnsrr"));
    assert.deepEqual([rr.status, rr.body.message], [400, "EndpointSpec: port published with ingress mode can't be used with dnsrr mode"]);
    const pub = await call("POST", "/services/create", spec("pub", [{ TargetPort: 80, PublishedPort: 8080 }]));
    assert.equal(pub.status, 201);
    const clash = await call("POST", "/services/create", spec("pub2", [{ TargetPort: 80, PublishedPort: 8080, PublishMode: "host" }]));
    assert.deepEqual([clash.status, clash.body.message],
      [400, `rpc error: code = InvalidArgument desc = port '8080' is already in use by service 'pub' (${pub.body.ID}) as an ingress port`]);
    assert.equal((await call("POST", "/services/create", spec("pub3", [{ TargetPort: 80, PublishedPort: 8081, PublishMode: "host" }]))).status, 201);
  });
});
