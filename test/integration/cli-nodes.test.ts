import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { subjects, type Envelope, type NodeState } from "../../schemas/index.js";
import { eventually } from "../helpers/eventually.js";
import { startInProcessApi, type InProcessApi } from "../helpers/in-process-api.js";

/* `swarm node …` and the scheduling flags of `service create`, compiled CLI against a real api + nats-server. */
let t: InProcessApi;
let store: JetStreamEventStore;
let m1 = "";
let w1 = "";

const swarm = (env: Record<string, string>, ...args: string[]) => t.swarm(env, ...args);
const cli = (...args: string[]) => swarm({}, ...args);
const get = async (path: string) => (await t.call("GET", path)).body;

async function setStatus(nodeId: string, state: NodeState): Promise<void> {
  const before = (await get(`/nodes/${nodeId}`)).Version.Index as number;
  const event: Envelope = {
    id: `st-${nodeId}-${state}-${before}`, type: "NodeStatusChanged", subject: subjects.event("node", nodeId),
    at: new Date().toISOString(), actor: { kind: "service", id: "test" }, data: { nodeId, state, message: "" },
  };
  await store.append({ event, expectedLastSubjectSeq: before, msgId: event.id });
  await eventually(async () => (await get(`/nodes/${nodeId}`)).Status.State === state, { what: `node ${nodeId} ${state}` });
}

before(async () => {
  t = await startInProcessApi("cli-nodes");
  store = t.store;
  m1 = (await t.call("POST", "/swarm/init", { NodeName: "m1" })).body.NodeID;
  const token = (await get("/swarm")).JoinTokens.Worker;
  w1 = (await t.call("POST", "/jetswarm/join", { JoinToken: token, NodeName: "w1" })).body.NodeID;
  await setStatus(w1, "ready");
});
after(async () => {
  await t?.stop();
});

describe("swarm node", () => {
  it("ls stars the current node only when the CLI knows it", async () => {
    const plain = await cli("node", "ls");
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stdout, /\*/);
    const mine = await swarm({ SWARM_NODE_ID: w1 }, "node", "ls");
    assert.match(mine.stdout, new RegExp(`^${w1} \\* +w1 +Ready +Active`, "m"));
    assert.match(mine.stdout, new RegExp(`^${m1} +m1 +Unknown +Active +Leader`, "m"));
  });

  it("ls --filter and --format (docker's node row fields); inspect -f, and --pretty's Name and Joined at lines", async () => {
    const managers = await cli("node", "ls", "-q", "--filter", "role=manager");
    assert.deepEqual([managers.code, managers.stdout], [0, `${m1}\n`], managers.stderr);
    assert.equal((await cli("node", "ls", "--filter", "name=w", "--format", "{{.ID}}:{{.Hostname}}:{{.Status}}")).stdout, `${w1}:w1:Ready\n`);
    assert.equal((await cli("node", "ls", "--filter", `id=${w1.slice(0, 6)}`, "--format", "{{json .Self}} {{upper .Availability}}")).stdout, "false ACTIVE\n");
    assert.equal((await cli("node", "ls", "--filter", "membership=accepted", "--format", "table {{.Hostname}}")).stdout, "HOSTNAME\nm1\nw1\n");
    const bad = await cli("node", "ls", "--filter", "colour=red");
    assert.deepEqual([bad.code, bad.stderr], [1, "Error: invalid filter 'colour'\n"]);
    const field = await cli("node", "ls", "--format", "{{.Nope}}");
    assert.equal(field.stderr, `Error: template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type *node.nodeContext\n`);
    assert.equal((await cli("node", "inspect", "-f", "{{.Spec.Name}} {{.Spec.Role}}", "w1", "m1")).stdout, "w1 worker\nm1 manager\n");
    assert.match((await cli("node", "inspect", "--pretty", "w1")).stdout,
      /^ID:\t\t\t\S+\nName:\t\t\tw1\nHostname: +\t.*\nJoined at: +\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC\n/);
    const ps = await cli("node", "ps", "w1", "--filter", "colour=red");
    assert.deepEqual([ps.code, ps.stderr], [1, "Error: invalid filter 'colour'\n"]);
  });

  it("update --availability/--label-add prints the node; inspect --pretty shows it; self is refused by update", async () => {
    const r = await cli("node", "update", "--availability", "drain", "--label-add", "zone=a", "w1");
    assert.deepEqual([r.code, r.stdout], [0, "w1\n"], r.stderr);
    const pretty = await swarm({ SWARM_NODE_ID: w1 }, "node", "inspect", "--pretty", "self");
    assert.match(pretty.stdout, /^ID:\t+\S+/m);
    assert.match(pretty.stdout, / Availability: +\tDrain/);
    assert.match(pretty.stdout, /Labels:\n - zone=a/);
    const json = JSON.parse((await cli("node", "inspect", "w1")).stdout);
    assert.deepEqual(json[0].Spec.Labels, { zone: "a" });
    const rm = await cli("node", "update", "--label-rm", "zone", "--availability", "active", w1);
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual((await get(`/nodes/${w1}`)).Spec.Labels, {});
    const self = await swarm({ SWARM_NODE_ID: w1 }, "node", "update", "--availability", "drain", "self");
    assert.deepEqual([self.code, self.stderr], [1, "Error: node self not found\n"]);
    const bad = await cli("node", "update", "--availability", "sleepy", "w1");
    assert.match(bad.stderr, /invalid argument "sleepy" for "--availability" flag/);
  });

  it("promote / demote in Swarm's words; the last manager cannot be demoted", async () => {
    assert.equal((await cli("node", "promote", "w1")).stdout, "Node w1 promoted to a manager in the swarm.\n");
    assert.equal((await cli("node", "promote", "w1")).stdout, "Node w1 is already a manager.\n");
    assert.equal((await cli("node", "demote", "w1")).stdout, "Manager w1 demoted in the swarm.\n");
    const last = await cli("node", "demote", "m1");
    assert.equal(last.code, 1);
    assert.equal(last.stderr, "Error: rpc error: code = FailedPrecondition desc = attempting to demote the last manager of the swarm\n");
  });

  it("ps lists the node's tasks (empty table here); rm refuses a ready node, -f removes it", async () => {
    const ps = await cli("node", "ps", "w1");
    assert.match(ps.stdout, /^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE\s+CURRENT STATE\s+ERROR\s+PORTS$/m);
    const noSelf = await cli("node", "ps");
    assert.equal(noSelf.code, 1);
    assert.match(noSelf.stderr, /cannot tell which node is self/);
    const refused = await cli("node", "rm", "w1");
    assert.equal(refused.stderr, `Error: rpc error: code = FailedPrecondition desc = node ${w1} is not down and can't be removed\n`);
    const mgr = await cli("node", "rm", "-f", "m1");
    assert.match(mgr.stderr, /is a cluster manager and is a member of the raft cluster\. It must be demoted to worker before removal/);
    assert.deepEqual(await cli("node", "rm", "-f", "w1"), { code: 0, stdout: "w1\n", stderr: "" });
    assert.doesNotMatch((await cli("node", "ls")).stdout, /\bw1\b/);
  });
});

describe("service create scheduling flags", () => {
  it("stores constraints, preferences, resources, max per node and host ports; ls shows (max N per node)", async () => {
    const r = await cli("service", "create", "--detach", "--name", "placed", "--replicas", "3", "--constraint", "node.labels.zone==a",
      "--placement-pref", "spread=node.labels.rack", "--replicas-max-per-node", "1", "--reserve-cpu", "0.5", "--reserve-memory", "64MiB",
      "--limit-memory", "128m", "-p", "published=18080,target=80,mode=host", "--placement-strategy", "binpack", "busybox:1", "sleep", "1");
    assert.equal(r.code, 0, r.stderr);
    const svc = await get("/services/placed");
    assert.deepEqual(svc.Spec.TaskTemplate.Placement, {
      Constraints: ["node.labels.zone==a"], Preferences: [{ Spread: { SpreadDescriptor: "node.labels.rack" } }], Strategy: "binpack", MaxReplicas: 1,
    });
    assert.deepEqual(svc.Spec.TaskTemplate.Resources, { Limits: { MemoryBytes: 128 * 2 ** 20 }, Reservations: { NanoCPUs: 5e8, MemoryBytes: 64 * 2 ** 20 } });
    assert.deepEqual(svc.Spec.EndpointSpec, { Ports: [{ TargetPort: 80, PublishedPort: 18080, PublishMode: "host" }] });
    assert.match((await cli("service", "ls")).stdout, /\bplaced\s+replicated\s+0\/3 \(max 1 per node\)/);
  });

  it("service update --constraint-rm/-add, --publish-add/-rm, --replicas-max-per-node 0", async () => {
    const r = await cli("service", "update", "--detach", "--constraint-rm", "node.labels.zone==a", "--constraint-add", "node.role==worker",
      "--publish-add", "published=19090,target=90,mode=host", "--publish-rm", "80", "--placement-pref-rm", "spread=node.labels.rack",
      "--replicas-max-per-node", "0", "--limit-cpu", "1.5", "placed");
    assert.deepEqual([r.code, r.stdout], [0, "placed\n"], r.stderr);
    const svc = await get("/services/placed");
    assert.deepEqual(svc.Spec.TaskTemplate.Placement, { Constraints: ["node.role==worker"], Strategy: "binpack" });
    assert.deepEqual(svc.Spec.TaskTemplate.Resources.Limits, { MemoryBytes: 128 * 2 ** 20, NanoCPUs: 1.5e9 });
    assert.deepEqual(svc.Spec.EndpointSpec, { Ports: [{ TargetPort: 90, PublishedPort: 19090, PublishMode: "host" }] });
    assert.match((await cli("service", "ls")).stdout, /\bplaced\s+replicated\s+0\/3\s/);
  });

  it("refuses ingress ports with dnsrr and bad values before anything is created", async () => {
    const ingress = await cli("service", "create", "--detach", "--name", "ing", "--endpoint-mode", "dnsrr", "-p", "8080:80", "busybox:1");
    assert.equal(ingress.stderr, "Error: EndpointSpec: port published with ingress mode can't be used with dnsrr mode\n");
    const mem = await cli("service", "create", "--detach", "--name", "mem", "--reserve-memory", "lots", "busybox:1");
    assert.equal(mem.stderr, `Error: invalid argument "lots" for "--reserve-memory" flag: invalid size: 'lots'\n`);
    const op = await cli("service", "create", "--detach", "--name", "op", "--constraint", "node.labels.zone=a", "busybox:1");
    assert.equal(op.stderr, "Error: constraint expected one operator from ==, !=\n");
    assert.equal((await get("/services")).filter((s: any) => ["ing", "mem", "op"].includes(s.Spec.Name)).length, 0);
  });
});
