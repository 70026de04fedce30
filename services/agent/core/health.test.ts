import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NodeTaskDoc } from "../../../schemas/index.js";
import { evolve, newRecord, plan, type TaskRecord } from "./task-machine.js";
import type { PortBinding } from "./executor.js";

const AT = "2024-01-01T00:00:00.000Z";
function doc(over: Partial<NodeTaskDoc> = {}): NodeTaskDoc {
  return {
    taskId: "t1", serviceId: "s1", serviceName: "web", slot: 1, nodeId: "n1",
    spec: { ContainerSpec: { Image: "busybox:1", Healthcheck: { Test: ["CMD", "true"] } } },
    desiredState: "running", version: 1, removed: false, ...over,
  };
}
const starting = (over: Partial<TaskRecord> = {}): TaskRecord => ({ ...newRecord(doc()), observed: "starting", message: "starting", containerId: "c1", ...over });
const PORT: PortBinding = { Protocol: "tcp", TargetPort: 80, PublishedPort: 32768, PublishMode: "host" };

describe("health-gated running (reference §2)", () => {
  it("given a health check, a started container stays starting (no report) and waits", () => {
    const e = evolve(starting(), { kind: "started", health: "starting" }, AT);
    assert.deepEqual([e.rec.observed, e.reports.length, e.rec.health], ["starting", 0, "starting"]);
    assert.equal(plan(e.rec).kind, "idle", "not started twice");
  });
  it("healthy → running `started`; later health reports change nothing visible", () => {
    const waiting = evolve(starting(), { kind: "started", health: "starting", ports: [PORT] }, AT).rec;
    const e = evolve(waiting, { kind: "health", containerId: "c1", status: "healthy" }, AT);
    assert.deepEqual(e.reports.map((r) => [r.state, r.message]), [["running", "started"]]);
    assert.deepEqual(e.reports[0]!.ports, [PORT], "bound ports travel with the status");
    assert.equal(evolve(e.rec, { kind: "health", containerId: "c1", status: "healthy" }, AT).reports.length, 0);
  });
  it("already healthy at start → running at once", () => {
    assert.equal(evolve(starting(), { kind: "started", health: "healthy" }, AT).rec.observed, "running");
  });
  it("without a health check → running at once, with its ports", () => {
    const e = evolve(starting(), { kind: "started", ports: [PORT] }, AT);
    assert.deepEqual([e.rec.observed, e.reports[0]!.ports], ["running", [PORT]]);
  });
  it("unhealthy (while starting or running) → kill-unhealthy; its exit fails the task with Swarm's error and the real code", () => {
    for (const observed of ["starting", "running"] as const) {
      const r = evolve(starting({ observed, watching: true, health: "starting" }), { kind: "health", containerId: "c1", status: "unhealthy" }, AT).rec;
      assert.equal(plan(r).kind, "kill-unhealthy");
      const f = evolve(r, { kind: "exited", containerId: "c1", exitCode: 137 }, AT).reports[0]!;
      assert.deepEqual([f.state, f.err, f.exitCode], ["failed", "task: non-zero exit (137): dockerexec: unhealthy container", 137]);
    }
  });
  it("desired shutdown wins over unhealthy: stop → shutdown", () => {
    const r = starting({ health: "unhealthy", doc: doc({ desiredState: "shutdown", version: 2 }) });
    assert.equal(plan(r).kind, "stop");
    assert.equal(evolve(r, { kind: "exited", containerId: "c1", exitCode: 143 }, AT).rec.observed, "shutdown");
  });
  it("a health report for another container is ignored", () => {
    const r = starting({ health: "starting", watching: true });
    assert.equal(evolve(r, { kind: "health", containerId: "old", status: "unhealthy" }, AT).rec, r);
  });
  it("the container exits before it is healthy → failed with its exit code (not the unhealthy error)", () => {
    const f = evolve(starting({ health: "starting", watching: true }), { kind: "exited", containerId: "c1", exitCode: 2 }, AT).reports[0]!;
    assert.deepEqual([f.state, f.err], ["failed", "task: non-zero exit (2)"]);
  });
  it("adoption: a running container whose health is starting → starting, then watched", () => {
    const e = evolve(newRecord(doc()), { kind: "adopted", containerId: "c9", state: "running", health: "starting" }, AT);
    assert.deepEqual([e.rec.observed, plan(e.rec).kind], ["starting", "watch"]);
    const w = evolve(e.rec, { kind: "watching" }, AT).rec;
    assert.equal(plan(w).kind, "idle");
    const healthy = evolve(newRecord(doc()), { kind: "adopted", containerId: "c9", state: "running", health: "healthy", ports: [PORT] }, AT);
    assert.deepEqual([healthy.rec.observed, healthy.reports[0]!.ports], ["running", [PORT]]);
  });
});
