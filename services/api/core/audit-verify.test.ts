import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventChecker, producerProblem } from "./audit-verify.js";
import { API, bytes, NODE, ORCH, SCHED, smallLog, type Stored } from "./audit-test-fixture.js";

/** The first bad event of a log, as the checker sees it. */
function firstBad(log: { seq: number; subject: string; data: Uint8Array }[]) {
  const c = new EventChecker();
  for (const m of log) {
    const bad = c.check(m.seq, m.subject, m.data);
    if (bad) return bad;
  }
  return undefined;
}
const raw = (log: Stored[]) => log.map((m) => ({ seq: m.seq, subject: m.subject, data: bytes(m.event) }));

describe("audit verify: EventChecker", () => {
  it("a legal log has no bad event", () => {
    assert.equal(firstBad(raw(smallLog().log)), undefined);
  });

  it("a payload that does not match its schema is named with the field", () => {
    const log = raw(smallLog().log);
    const e = JSON.parse(new TextDecoder().decode(log[4]!.data));
    delete e.data.serviceName;
    log[4]!.data = bytes(e);
    const bad = firstBad(log);
    assert.equal(bad?.seq, 5);
    assert.match(bad!.reason, /does not match its schema: .*serviceName/);
    log[4]!.data = new TextEncoder().encode("{not json");
    assert.deepEqual(firstBad(log), { seq: 5, subject: "swarm.evt.task.t1", reason: "payload is not JSON" });
  });

  it("an event from the wrong producer is refused", () => {
    const b = smallLog();
    b.add("TaskAssigned", "task", "t1", { taskId: "t1", nodeId: "n1" }, ORCH);
    const bad = firstBad(raw(b.log));
    assert.equal(bad?.seq, 10);
    assert.match(bad!.reason, /TaskAssigned is produced by the scheduler .*not by service orchestrator-2/);
  });

  it("a task whose state moves backwards is refused", () => {
    const b = smallLog();
    b.add("TaskStatusChanged", "task", "t1", { taskId: "t1", state: "preparing", message: "", timestamp: "t" }, NODE);
    assert.deepEqual(firstBad(raw(b.log)), { seq: 10, subject: "swarm.evt.task.t1", reason: "task t1 state moves backwards: running → preparing" });
  });

  it("a task created twice, or changed before it was created, is refused", () => {
    const b = smallLog();
    const created = b.log[4]!.event;
    b.add("TaskCreated", "task", "t1", created.data as never, ORCH);
    assert.deepEqual(firstBad(raw(b.log)), { seq: 10, subject: "swarm.evt.task.t1", reason: "task t1 created twice" });
    const c = smallLog();
    c.add("TaskAssigned", "task", "t9", { taskId: "t9", nodeId: "n1" }, SCHED);
    assert.match(firstBad(raw(c.log))!.reason, /TaskAssigned for task t9, which was never created/);
  });

  it("an event stored on another aggregate's subject is refused", () => {
    const log = raw(smallLog().log);
    log[5]!.subject = "swarm.evt.task.t2";
    assert.match(firstBad(log)!.reason, /envelope subject swarm.evt.task.t1 differs from the stored subject swarm.evt.task.t2/);
  });
});

describe("audit verify: producers", () => {
  const table: [Parameters<typeof producerProblem>[0], Parameters<typeof producerProblem>[1], boolean][] = [
    ["ServiceCreated", API, true],
    ["ServiceCreated", { kind: "user", id: "local" }, true], // logs written before `via` existed
    ["ServiceCreated", { kind: "user", id: "local", via: "dispatcher-4" }, false],
    ["ServiceCreated", ORCH, false],
    ["TaskCreated", ORCH, true],
    ["TaskCreated", { kind: "service", id: "orchestrator-2", via: "x" }, false],
    ["TaskCreated", SCHED, false],
    ["TaskAssigned", SCHED, true],
    ["TaskStatusChanged", NODE, true],
    ["TaskStatusChanged", { kind: "service", id: "dispatcher-4" }, true],
    ["TaskStatusChanged", { kind: "node", id: "n1" }, false],
    ["TaskStatusChanged", { kind: "node", id: "n1", via: "scheduler-3" }, false],
    ["TaskAssigned", { kind: "node", id: "n1", via: "dispatcher-4" }, false],
    ["ServiceUpdateStatusChanged", { kind: "service", id: "orchestratorX" }, false],
  ];
  for (const [type, actor, ok] of table) {
    it(`${type} by ${JSON.stringify(actor)}: ${ok ? "ok" : "refused"}`, () => {
      assert.equal(producerProblem(type, actor) === undefined, ok, producerProblem(type, actor));
    });
  }
});

describe("audit verify: batches", () => {
  const DISP = { kind: "service", id: "dispatcher-4" } as const;
  /** init, node, service, then two tasks created, placed and run in batches. */
  function batchedLog() {
    const b = smallLog();
    const task = (taskId: string, slot: number) => ({ taskId, slot, desiredState: "running", state: "pending" } as const);
    b.add("TasksCreated", "tasks", "s1", {
      serviceId: "s1", serviceName: "web", spec: { ContainerSpec: { Image: "img:1" } }, specVersion: 4, tasks: [task("t2", 2), task("t3", 3)],
    }, ORCH);
    b.add("TasksAssigned", "placements", "scheduler", { assignments: [{ taskId: "t2", nodeId: "n1" }, { taskId: "t3", nodeId: "n1" }] }, SCHED);
    b.add("TaskStatusesChanged", "reports", "dispatcher-4", {
      changes: [
        { nodeId: "n1", taskId: "t2", state: "running", message: "started", timestamp: "2026-01-01T00:00:20Z" },
        { nodeId: "n1", taskId: "t3", state: "starting", message: "starting", timestamp: "2026-01-01T00:00:20Z" },
      ],
    }, DISP);
    return b;
  }

  it("a log with batches is legal, and its members are checked as the events they stand for", () => {
    const b = batchedLog();
    assert.equal(firstBad(raw(b.log)), undefined);
    // A member moving a task backwards is named (the batch's sequence).
    b.add("TaskStatusesChanged", "reports", "dispatcher-4", {
      changes: [{ nodeId: "n1", taskId: "t2", state: "starting", message: "again", timestamp: "2026-01-01T00:00:21Z" }],
    }, DISP);
    const bad = firstBad(raw(b.log));
    assert.equal(bad?.seq, 13);
    assert.match(bad!.reason, /task t2 state moves backwards: running → starting/);
  });

  it("refuses a batch from another producer, on another scope, or placing a task never created", () => {
    const wrongProducer = batchedLog();
    wrongProducer.add("TasksAssigned", "placements", "scheduler", { assignments: [{ taskId: "t2", nodeId: "n1" }] }, ORCH);
    assert.match(firstBad(raw(wrongProducer.log))!.reason, /TasksAssigned is produced by the scheduler/);

    const wrongScope = smallLog();
    wrongScope.add("TasksCreated", "tasks", "s9", {
      serviceId: "s1", serviceName: "web", spec: { ContainerSpec: { Image: "i" } }, specVersion: 1, tasks: [{ taskId: "t5", slot: 5, desiredState: "running", state: "pending" }],
    }, ORCH);
    assert.match(firstBad(raw(wrongScope.log))!.reason, /TasksCreated for service s1 stored on swarm.evt.tasks.s9/);

    const ghost = smallLog();
    ghost.add("TasksAssigned", "placements", "scheduler", { assignments: [{ taskId: "nope", nodeId: "n1" }] }, SCHED);
    assert.match(firstBad(raw(ghost.log))!.reason, /TaskAssigned for task nope, which was never created/);
  });
});
