import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NodeTaskDoc, TaskState } from "../../../schemas/index.js";
import { applyDoc, evolve, newRecord, plan, type Outcome, type Step, type TaskRecord } from "./task-machine.js";
import { planAdoption } from "./adopt.js";
import { containerConfig, stopOptions, taskName } from "./container-config.js";
import type { ContainerSummary } from "./executor.js";

const AT = "2024-01-01T00:00:00.000Z";
function doc(over: Partial<NodeTaskDoc> = {}): NodeTaskDoc {
  return {
    taskId: "t1", serviceId: "s1", serviceName: "web", slot: 2, nodeId: "n1",
    spec: { ContainerSpec: { Image: "busybox:1", Command: ["sleep"], Args: ["3600"] } },
    desiredState: "running", version: 1, removed: false, ...over,
  };
}
function rec(observed: TaskState, over: Partial<TaskRecord> = {}, d: Partial<NodeTaskDoc> = {}): TaskRecord {
  return { ...newRecord(doc(d)), observed, ...over };
}
/** Drives the machine with `results` standing in for the shell's I/O until it is idle. */
function drive(start: TaskRecord, io: (step: Step) => Outcome | undefined): { rec: TaskRecord; states: TaskState[]; steps: string[] } {
  let r = start;
  const states: TaskState[] = [];
  const steps: string[] = [];
  for (let i = 0; i < 20; i++) {
    const step = plan(r);
    steps.push(step.kind);
    if (step.kind === "idle" || step.kind === "forget") break;
    const out = step.kind === "advance" ? { kind: "advanced", to: step.to, message: step.message } as const : io(step);
    if (!out) break;
    const e = evolve(r, out, AT);
    states.push(...e.reports.map((x) => x.state));
    r = e.rec;
  }
  return { rec: r, states, steps };
}
const happy = (step: Step): Outcome | undefined =>
  step.kind === "prepare" ? { kind: "prepared", containerId: "c1" }
    : step.kind === "start" ? { kind: "started" }
      : step.kind === "stop" ? { kind: "stopped" }
        : step.kind === "remove" ? { kind: "removed" } : undefined;

describe("task state machine", () => {
  it("given desired running, advances accepted … running and reports each state", () => {
    const { rec: r, states } = drive(newRecord(doc()), happy);
    assert.deepEqual(states, ["accepted", "preparing", "ready", "starting", "running"]);
    assert.equal(r.containerId, "c1");
    assert.equal(plan(r).kind, "idle", "running with a watcher attached: nothing to do");
  });

  it("given desired ready, stops at ready; promoting to running continues", () => {
    const { rec: r, states } = drive(newRecord(doc({ desiredState: "ready" })), happy);
    assert.deepEqual(states, ["accepted", "preparing", "ready"]);
    const promoted = applyDoc(r, doc({ desiredState: "running", version: 2 }))!;
    assert.deepEqual(drive(promoted, happy).states, ["starting", "running"]);
  });

  it("ignores a doc whose version is not newer", () => {
    const r = rec("running", { containerId: "c1", watching: true }, { version: 5 });
    assert.equal(applyDoc(r, doc({ desiredState: "shutdown", version: 5 })), undefined);
    assert.equal(applyDoc(r, doc({ desiredState: "shutdown", version: 6 }))?.doc.desiredState, "shutdown");
  });

  it("exit 0 → complete `finished`; non-zero → failed with the exit code", () => {
    const r = rec("running", { containerId: "c1", watching: true });
    const ok = evolve(r, { kind: "exited", containerId: "c1", exitCode: 0 }, AT);
    assert.deepEqual([ok.rec.observed, ok.rec.message], ["complete", "finished"]);
    const bad = evolve(r, { kind: "exited", containerId: "c1", exitCode: 3 }, AT).reports[0]!;
    assert.deepEqual([bad.state, bad.err, bad.exitCode, bad.containerId], ["failed", "task: non-zero exit (3)", 3, "c1"]);
  });

  it("an exit seen before the start's outcome is recorded; the late start changes nothing", () => {
    const starting = rec("starting", { containerId: "c1" });
    const gone = evolve(starting, { kind: "exited", containerId: "c1", exitCode: 3 }, AT);
    assert.deepEqual(gone.reports.map((x) => [x.state, x.exitCode]), [["failed", 3]]);
    const late = evolve(gone.rec, { kind: "started" }, AT);
    assert.deepEqual([late.rec.observed, late.reports.length, plan(late.rec).kind], ["failed", 0, "idle"]);
  });

  it("an exit of a container the task no longer has is ignored", () => {
    const r = rec("running", { containerId: "c2", watching: true });
    assert.equal(evolve(r, { kind: "exited", containerId: "c1", exitCode: 1 }, AT).rec, r);
  });

  it("an error before starting rejects with Docker's message; at start it fails", () => {
    const rej = evolve(rec("preparing"), { kind: "prepare-failed", error: "No such image: nope:latest" }, AT).reports[0]!;
    assert.deepEqual([rej.state, rej.err], ["rejected", "No such image: nope:latest"]);
    const fail = evolve(rec("starting", { containerId: "c1" }), { kind: "start-failed", error: "boom" }, AT).reports[0]!;
    assert.deepEqual([fail.state, fail.err], ["failed", "starting container failed: boom"]);
  });

  it("desired shutdown stops a running container and reports shutdown; the stop's exit is shutdown too", () => {
    const r = rec("running", { containerId: "c1", watching: true }, { desiredState: "shutdown" });
    assert.equal(plan(r).kind, "stop");
    const viaExit = evolve(r, { kind: "exited", containerId: "c1", exitCode: 137 }, AT);
    assert.deepEqual([viaExit.rec.observed, viaExit.rec.message], ["shutdown", "shutdown"]);
    assert.equal(evolve(viaExit.rec, { kind: "stopped" }, AT).reports.length, 0, "no second report");
  });

  it("desired shutdown of a task with no container reports shutdown without I/O", () => {
    assert.deepEqual(drive(rec("accepted", {}, { desiredState: "shutdown" }), happy).states, ["shutdown"]);
  });

  it("terminal tasks stay terminal: desired shutdown after complete does nothing", () => {
    const r = rec("complete", { containerId: "c1" }, { desiredState: "shutdown" });
    assert.equal(plan(r).kind, "idle");
    assert.equal(evolve(r, { kind: "stopped" }, AT).reports.length, 0);
  });

  it("tombstone: stop, report shutdown, remove, forget", () => {
    const { states, steps } = drive(rec("running", { containerId: "c1", watching: true }, { removed: true }), happy);
    assert.deepEqual(states, ["shutdown"]);
    assert.deepEqual(steps, ["stop", "remove", "forget"]);
  });

  it("desired remove of a failed task removes its container without a report", () => {
    const { states, steps } = drive(rec("failed", { containerId: "c1" }, { desiredState: "remove" }), happy);
    assert.deepEqual([states, steps], [[], ["remove", "forget"]]);
  });

  it("a tombstone of a task never seen is forgotten silently", () => {
    assert.deepEqual(drive(newRecord(doc({ removed: true })), happy).steps, ["forget"]);
  });

  it("adoption: running → running and watched; exited → by exit code; created → ready", () => {
    const run = evolve(newRecord(doc()), { kind: "adopted", containerId: "c9", state: "running" }, AT);
    assert.deepEqual([run.rec.observed, run.rec.containerId, plan(run.rec).kind], ["running", "c9", "watch"]);
    const ex = evolve(newRecord(doc()), { kind: "adopted", containerId: "c9", state: "exited", exitCode: 3 }, AT);
    assert.equal(ex.rec.observed, "failed");
    const cr = evolve(newRecord(doc()), { kind: "adopted", containerId: "c9", state: "created" }, AT);
    assert.deepEqual([cr.rec.observed, plan(cr.rec).kind], ["ready", "advance"]);
  });
});

describe("adoption plan", () => {
  const c = (id: string, taskId: string | undefined, state: ContainerSummary["state"], created = 1): ContainerSummary =>
    ({ id, name: id, labels: taskId ? { "jetswarm.task.id": taskId } : {}, state, created });
  it("keeps one container per known task (running first), discards unknown and duplicates", () => {
    const records = new Map([["t1", newRecord(doc())], ["t2", newRecord(doc({ taskId: "t2" }))]]);
    const p = planAdoption(records, [c("a", "t1", "exited", 5), c("b", "t1", "running", 1), c("x", "gone", "running"), c("y", undefined, "exited"), c("d", "t2", "exited", 1), c("e", "t2", "exited", 2)]);
    assert.deepEqual([...p.adopt].map(([t, k]) => [t, k.id]), [["t1", "b"], ["t2", "e"]]);
    assert.deepEqual(p.discard.map((k) => k.id).sort(), ["a", "d", "x", "y"]);
  });
  it("a task that already has its container keeps it", () => {
    const records = new Map([["t1", { ...newRecord(doc()), containerId: "a" }]]);
    const p = planAdoption(records, [c("a", "t1", "exited"), c("b", "t1", "running")]);
    assert.equal(p.adopt.size, 0);
    assert.deepEqual(p.discard.map((k) => k.id), ["b"]);
  });
});

describe("container config", () => {
  it("names, labels and Docker command semantics", () => {
    const cfg = containerConfig(doc({ spec: { ContainerSpec: { Image: "i", Command: ["sh", "-c"], Args: ["exit 3"], Env: ["A=1"], Labels: { mine: "x" }, Dir: "/tmp", User: "1", StopSignal: "SIGINT" } } }));
    assert.equal(cfg.name, "web.2.t1");
    assert.deepEqual([cfg.Entrypoint, cfg.Cmd, cfg.Env, cfg.WorkingDir, cfg.User, cfg.StopSignal], [["sh", "-c"], ["exit 3"], ["A=1"], "/tmp", "1", "SIGINT"]);
    assert.deepEqual(cfg.Labels, { mine: "x", "jetswarm.node.id": "n1", "jetswarm.service.id": "s1", "jetswarm.service.name": "web", "jetswarm.task.id": "t1", "jetswarm.task.name": "web.2.t1", "jetswarm.slot": "2" });
  });
  it("slot 0 (global) uses the node id; stop grace defaults to 10 s", () => {
    assert.equal(taskName({ serviceName: "g", slot: 0, nodeId: "n7", taskId: "t" }), "g.n7.t");
    assert.deepEqual(stopOptions(doc()), { graceSeconds: 10 });
    assert.deepEqual(stopOptions(doc({ spec: { ContainerSpec: { Image: "i", StopSignal: "SIGUSR1", StopGracePeriod: 1_500_000_000 } } })), { signal: "SIGUSR1", graceSeconds: 2 });
  });
});
