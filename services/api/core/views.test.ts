import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { API, LogBuilder, ORCH } from "./audit-test-fixture.js";
import { listTasks } from "./views.js";

/*
 * Tasks of three services whose ids share prefixes, one removed service whose name a live one
 * reuses, and deleted tasks — interleaved, so the log's order differs from any one service's.
 */
function state(): ClusterState {
  const b = new LogBuilder();
  const spec = (name: string) => ({ Name: name, TaskTemplate: { ContainerSpec: { Image: "img:1" } } });
  const task = (taskId: string, serviceId: string, serviceName: string, slot: number) =>
    b.add("TaskCreated", "task", taskId, {
      taskId, serviceId, serviceName, slot, spec: { ContainerSpec: { Image: "img:1" } }, specVersion: 1, desiredState: "running", state: "new",
    }, ORCH);
  b.add("ServiceCreated", "service", "abc1", { serviceId: "abc1", spec: spec("web") }, API);
  b.add("ServiceCreated", "service", "abd2", { serviceId: "abd2", spec: spec("db") }, API);
  task("t1", "abc1", "web", 1);
  task("t2", "abd2", "db", 1);
  task("t3", "abc1", "web", 2);
  b.add("ServiceRemoved", "service", "abc1", { serviceId: "abc1" }, API);
  b.add("ServiceCreated", "service", "xyz3", { serviceId: "xyz3", spec: spec("web") }, API);
  task("t4", "xyz3", "web", 1);
  task("t5", "abd2", "db", 2);
  task("t6", "xyz3", "web", 2);
  b.add("TaskDeleted", "task", "t2", { taskId: "t2" }, ORCH);
  // A service all of whose tasks are gone.
  b.add("ServiceCreated", "service", "gone4", { serviceId: "gone4", spec: spec("old") }, API);
  task("t7", "gone4", "old", 1);
  b.add("TaskDeleted", "task", "t7", { taskId: "t7" }, ORCH);
  const s = initialClusterState();
  for (const m of b.log) evolve(s, { seq: m.seq, event: m.event });
  return s;
}

/** What the filter means: every task of the log, kept when one value names its service. */
function byScan(s: ClusterState, values: string[]): string[] {
  return [...s.tasks.values()]
    .filter((t) => values.some((v) => t.serviceId === v || t.serviceName === v || (v.length >= 1 && t.serviceId.startsWith(v))))
    .map((t) => t.id);
}

describe("api views: task list by service", () => {
  const s = state();
  const cases: [string, string[], string[]][] = [
    ["an id", ["abd2"], ["t5"]],
    ["an id prefix of one service", ["xy"], ["t4", "t6"]],
    ["an id prefix of two services, in the log's order", ["ab"], ["t1", "t3", "t5"]],
    ["a name two services had, in the log's order", ["web"], ["t1", "t3", "t4", "t6"]],
    ["two values", ["db", "xyz3"], ["t4", "t5", "t6"]],
    ["a service whose tasks were all deleted", ["gone4"], []],
    ["nothing known", ["nope"], []],
    ["an empty value matches no id prefix", [""], []],
  ];
  for (const [what, values, want] of cases) {
    it(what, () => {
      const got = listTasks(s, new Map([["service", values]])).map((t) => t.ID);
      assert.deepEqual(got, want);
      assert.deepEqual(got, byScan(s, values));
    });
  }

  it("combined with another filter; no service filter lists every task", () => {
    const got = listTasks(s, new Map([["service", ["web"]], ["name", ["web.2"]]])).map((t) => t.ID);
    assert.deepEqual(got, ["t3", "t6"]);
    assert.deepEqual(listTasks(s, new Map()).map((t) => t.ID), ["t1", "t3", "t4", "t5", "t6"]);
  });
});
