import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Envelope, subjects, type EventData, type StoredEvent } from "../../../schemas/index.js";
import { BATCH_LIMITS, PLACEMENTS_ID, packAssigned, packCreated, packStatuses } from "./batches.js";
import { membersOf, storedMembers } from "./batch-members.js";
import { evolve, initialClusterState, versionOf } from "./cluster-state.js";
import { appendPlanned } from "../reconcile/index.js";
import { plan, toAppend, type PlannedEvent } from "./event-store.js";
import { MemoryEventStore } from "../eventlog/index.js";

const spec = { ContainerSpec: { Image: "img:1" } };
const created = (taskId: string, serviceId: string, slot: number): PlannedEvent => plan("TaskCreated", "task", taskId, {
  taskId, serviceId, serviceName: `n-${serviceId}`, slot, spec, specVersion: 1, desiredState: "running", state: "pending",
} satisfies EventData<"TaskCreated">, 0, `create:${serviceId}:${slot}:0`);
const assigned = (taskId: string, nodeId: string): PlannedEvent => plan("TaskAssigned", "task", taskId, { taskId, nodeId }, 0, `assign:${taskId}:${nodeId}`);
const status = (taskId: string, state: "starting" | "running"): PlannedEvent => plan("TaskStatusChanged", "task", taskId, {
  taskId, state, message: state, timestamp: "2026-01-01T00:00:00.000Z",
}, 0, `status:${taskId}:${state}`);
const other = plan("TaskDesiredStateChanged", "task", "tx", { taskId: "tx", desiredState: "shutdown" }, 7, "k");
const ctx = { actor: { kind: "service", id: "dispatcher-1" } as const, now: new Date("2026-01-01T00:00:00Z") };

function envelope(p: PlannedEvent): Envelope {
  const e = toAppend(p, ctx, "m1").event;
  return Envelope.parse(JSON.parse(JSON.stringify(e)));
}

describe("packing task events into batches", () => {
  it("packs TaskCreated by service, on swarm.evt.tasks.<service>, expecting the subject's version; leaves other events alone", () => {
    const state = initialClusterState();
    state.versions.set(subjects.event("tasks", "s2"), 41);
    const out = packCreated(state, [created("t1", "s1", 1), other, created("t2", "s2", 1), created("t3", "s1", 2)]);
    assert.deepEqual(out.map((p) => [p.type, p.kind, p.aggregateId, p.expect]), [
      ["TaskDesiredStateChanged", "task", "tx", 7], ["TasksCreated", "tasks", "s1", 0], ["TasksCreated", "tasks", "s2", 41],
    ]);
    const s1 = out[1]!.data as EventData<"TasksCreated">;
    assert.deepEqual(s1.tasks.map((t) => t.taskId), ["t1", "t3"]);
    assert.equal(s1.serviceId, "s1");
  });

  it("splits a large group at the member limit, in order", () => {
    const many = Array.from({ length: BATCH_LIMITS.members + 3 }, (_, i) => assigned(`t${i}`, "n1"));
    const out = packAssigned(initialClusterState(), many);
    assert.equal(out.length, 2);
    assert.ok(out.every((p) => p.type === "TasksAssigned" && p.kind === "placements" && p.aggregateId === PLACEMENTS_ID));
    const sizes = out.map((p) => (p.data as EventData<"TasksAssigned">).assignments.length);
    assert.deepEqual(sizes, [BATCH_LIMITS.members, 3]);
    assert.notEqual(out[0]!.key, out[1]!.key, "each batch has its own step key (and so msg id)");
  });

  it("splits by bytes before the payload limit", () => {
    const planned = Array.from({ length: 12 }, (_, i) => {
      const p = created(`t${i}`, "s1", i + 1);
      return { ...p, data: { ...(p.data as EventData<"TaskCreated">), replaces: "x".repeat(100_000) } } as PlannedEvent;
    });
    const out = packCreated(initialClusterState(), planned);
    assert.ok(out.length >= 3, `12 × 100 kB in batches of ≤ ${BATCH_LIMITS.bytes} bytes: ${out.length} batches`);
    for (const p of out) assert.ok(JSON.stringify(p.data).length < 1024 * 1024);
    assert.deepEqual(out.flatMap((p) => (p.data as EventData<"TasksCreated">).tasks.map((t) => t.taskId)), planned.map((p) => p.aggregateId));
  });

  it("stores a service's spec once per batch; tasks of another spec go in a batch of their own; members read back whole", () => {
    const other = { ContainerSpec: { Image: "img:2" } };
    const v2 = (taskId: string, slot: number): PlannedEvent => {
      const p = created(taskId, "s1", slot);
      return { ...p, data: { ...(p.data as EventData<"TaskCreated">), spec: other, specVersion: 2 } } as PlannedEvent;
    };
    const planned = [created("t1", "s1", 1), v2("t2", 2), created("t3", "s1", 3)];
    const out = packCreated(initialClusterState(), planned);
    assert.deepEqual(out.map((p) => { const d = p.data as EventData<"TasksCreated">; return [d.spec.ContainerSpec.Image, d.specVersion, d.tasks.map((t) => t.taskId)]; }),
      [["img:1", 1, ["t1", "t3"]], ["img:2", 2, ["t2"]]]);
    const members = out.flatMap((p) => membersOf(envelope(p)));
    const byId = new Map(members.map((m) => [m.subject, m.data]));
    for (const p of planned) {
      const want = p.data as EventData<"TaskCreated">;
      const got = byId.get(subjects.event("task", p.aggregateId)) as EventData<"TaskCreated">;
      assert.deepEqual({ ...got, nodeId: got.nodeId ?? undefined }, { ...want, nodeId: undefined, restartAt: undefined, replaces: undefined });
    }
  });

  it("names each status member's node; a member reads as TaskStatusChanged acted by that node via the dispatcher", () => {
    const out = packStatuses(initialClusterState(), [status("t1", "running"), status("t2", "starting")], "dispatcher-1", (t) => (t === "t1" ? "n1" : "n2"));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.aggregateId, "dispatcher-1");
    const members = membersOf(envelope(out[0]!));
    assert.deepEqual(members.map((m) => [m.type, m.subject, m.actor]), [
      ["TaskStatusChanged", subjects.event("task", "t1"), { kind: "node", id: "n1", via: "dispatcher-1" }],
      ["TaskStatusChanged", subjects.event("task", "t2"), { kind: "node", id: "n2", via: "dispatcher-1" }],
    ]);
    assert.equal("nodeId" in members[0]!.data, false, "the member's data is the singular event's");
    assert.deepEqual(members.map((m) => m.id), ["m1/0", "m1/1"]);
  });
});

describe("folding batches", () => {
  it("applies every member at the batch's sequence; only the batch subject gets that version", () => {
    const state = initialClusterState();
    const batch = envelope(packCreated(state, [created("t1", "s1", 1), created("t2", "s1", 2)])[0]!);
    evolve(state, { seq: 5, event: batch });
    assert.deepEqual([...state.tasks.keys()], ["t1", "t2"]);
    assert.equal(versionOf(state, subjects.event("tasks", "s1")), 5);
    assert.equal(versionOf(state, subjects.event("task", "t1")), 0, "no message is on the task's own subject");
    const placed = envelope(packAssigned(state, [assigned("t2", "n9")])[0]!);
    evolve(state, { seq: 6, event: placed });
    assert.equal(state.tasks.get("t2")?.state, "assigned");
    assert.equal(state.tasks.get("t2")?.nodeId, "n9");
    assert.equal(state.tasks.get("t1")?.state, "pending");
    const members = storedMembers({ seq: 6, event: placed } satisfies StoredEvent);
    assert.deepEqual(members.map((m) => [m.seq, m.event.type]), [[6, "TaskAssigned"]]);
  });
});

describe("appending chains of batches", () => {
  it("appends several batches of one subject in order, each expecting the previous one's sequence", async () => {
    const store = new MemoryEventStore();
    const state = initialClusterState();
    const many = Array.from({ length: BATCH_LIMITS.members * 2 + 1 }, (_, i) => assigned(`t${i}`, "n1"));
    const packed = packAssigned(state, many);
    const { maxSeq, conflicts } = await appendPlanned(store, packed, ctx);
    assert.equal(conflicts.length, 0);
    assert.equal(maxSeq, 3);
    assert.deepEqual(store.events.map((e) => e.event.type), ["TasksAssigned", "TasksAssigned", "TasksAssigned"]);
    // Decided again on the old state (a stale scheduler): the expectation on the subject refuses it.
    const stale = await appendPlanned(store, packAssigned(state, [assigned("tz", "n1")]), ctx);
    assert.equal(stale.conflicts.length, 1);
    assert.equal(store.events.length, 3);
  });

  it("stops a subject's chain at its first conflict, and appends other subjects regardless", async () => {
    const store = new MemoryEventStore();
    await store.append(toAppend(plan("TasksAssigned", "placements", PLACEMENTS_ID, { assignments: [{ taskId: "a", nodeId: "n" }] }, 0, "x"), ctx, "x"));
    const many = Array.from({ length: BATCH_LIMITS.members + 1 }, (_, i) => assigned(`t${i}`, "n1"));
    const { conflicts } = await appendPlanned(store, [...packAssigned(initialClusterState(), many), other], ctx);
    assert.equal(conflicts.length, 2, "the placements chain (expects 0, subject is at 1) and the desired-state event (expects 7)");
    assert.equal(store.events.length, 1, "the second batch of the chain was not tried");
  });
});
