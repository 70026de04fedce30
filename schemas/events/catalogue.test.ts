import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CONTROL_PLANE_SERVICES } from "../roster.js";
import { CATALOGUE, decodeEvent, entryOf, EVENT_KIND, EVENT_TYPES, PRODUCERS, type EventType } from "./index.js";

const envelope = (type: string, data: unknown, extra: Record<string, unknown> = {}) => ({
  id: "e1", type, subject: "swarm.evt.node.n1", at: "2026-01-01T00:00:00Z", actor: { kind: "user", id: "u" }, data, ...extra,
});

describe("event catalogue: derivations", () => {
  it("names one producer per type, each a control-plane service of the roster", () => {
    assert.equal(PRODUCERS.NodeJoined, "api");
    assert.equal(PRODUCERS.NodeStatusChanged, "dispatcher");
    assert.equal(PRODUCERS.ServiceUpdateRolledBack, "orchestrator");
    assert.equal(PRODUCERS.TaskAssigned, "scheduler");
    assert.equal(PRODUCERS.TasksCreated, "orchestrator");
    for (const t of EVENT_TYPES) assert.ok(CONTROL_PLANE_SERVICES.includes(PRODUCERS[t]), t);
  });

  it("gives each type its aggregate's subject kind (not a guess from the name's prefix)", () => {
    assert.equal(EVENT_KIND.ClusterUpdated, "cluster");
    assert.equal(EVENT_KIND.NodeRegistered, "node");
    assert.equal(EVENT_KIND.ServiceRollbackRequested, "service");
    assert.equal(EVENT_KIND.TaskDeleted, "task");
    assert.deepEqual([EVENT_KIND.TasksCreated, EVENT_KIND.TasksAssigned, EVENT_KIND.TaskStatusesChanged], ["tasks", "placements", "reports"]);
  });

  it("declares each batch's member, whose entry holds the schema the batch was checked against", () => {
    const members = EVENT_TYPES.flatMap((t) => (entryOf(t).batch ? [[t, entryOf(t).batch!.member]] : []));
    assert.deepEqual(members, [
      ["TasksCreated", "TaskCreated"], ["TasksAssigned", "TaskAssigned"], ["TaskStatusesChanged", "TaskStatusChanged"],
      ["NetworksAllocated", "NetworkAllocated"], ["NetworkNodesAttached", "NetworkNodeAttached"], ["ServicesAllocated", "ServiceAllocated"],
      ["TasksAllocated", "TaskAllocated"], ["TasksAllocationFailed", "TaskAllocationFailed"],
    ]);
    for (const [, m] of members) assert.ok(Object.hasOwn(CATALOGUE, m!), `${m} is a catalogue type`);
  });

  it("acts for users only in the api's events, for nodes only in those of the services nodes ask (dispatcher, secret-store)", () => {
    for (const t of EVENT_TYPES) {
      const e = entryOf(t as EventType);
      if (e.actsFor === "user") assert.equal(e.producer, "api", t);
      if (e.actsFor === "node") assert.ok(["dispatcher", "secret-store"].includes(e.producer), t);
    }
  });
});

describe("decodeEvent: the rolling-upgrade policy", () => {
  const joined = { nodeId: "n1", name: "a", role: "worker", availability: "active" };

  it("reads an envelope without a version (written before versions) as version 1", () => {
    const d = decodeEvent(envelope("NodeJoined", joined));
    assert.ok(d.ok);
    assert.equal(d.event.type, "NodeJoined");
    assert.ok(decodeEvent(envelope("NodeJoined", joined, { v: 1 })).ok);
  });

  it("refuses a type it does not know, naming it", () => {
    const d = decodeEvent(envelope("VolumeCreated", { volumeId: "x" }));
    assert.deepEqual(d, { ok: false, type: "VolumeCreated", why: "unknown event type VolumeCreated (written by a newer control plane?)" });
  });

  it("refuses a version newer than its entry's, even when the data would parse", () => {
    const d = decodeEvent(envelope("NodeJoined", joined, { v: 2 }));
    assert.deepEqual(d, { ok: false, type: "NodeJoined", why: "NodeJoined version 2 is newer than this build reads (1)" });
  });

  it("a remove keeps the name it carries (a reader from after the create names the object); one without, written before, still reads", () => {
    const removes: [string, string][] = [
      ["ServiceRemoved", "serviceId"], ["NodeRemoved", "nodeId"], ["SecretRemoved", "secretId"], ["ConfigRemoved", "configId"], ["NetworkRemoved", "networkId"],
    ];
    for (const [type, idField] of removes) {
      const named = decodeEvent(envelope(type, { [idField]: "x1", name: "web" }));
      assert.deepEqual(named.ok && named.event.data, { [idField]: "x1", name: "web" }, type);
      const older = decodeEvent(envelope(type, { [idField]: "x1" }));
      assert.deepEqual(older.ok && older.event.data, { [idField]: "x1" }, type);
    }
  });

  it("names the field of data that does not match", () => {
    const d = decodeEvent(envelope("NodeJoined", { ...joined, role: "boss" }));
    assert.equal(d.ok, false);
    assert.match(!d.ok ? d.why : "", /^does not match its schema: data\.role/);
  });
});
