import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { tasksOfService, versionOf, type EventStore } from "../../services/shared/model/index.js";
import { subjects, taskStateRank, type AggregateKind, type Envelope, type EventData, type EventType, type UpdateConfig } from "../../schemas/index.js";
import { start, type RunningOrchestrator } from "../../services/orchestrator/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";

/*
 * The updater against a real nats-server, with an in-process orchestrator; the test plays the
 * scheduler and the agent (assigns pending tasks to n1, reports them running, stops what must
 * stop). The orchestrator is stopped mid-update and a new one resumes it from the log.
 */

const actor = { kind: "user", id: "test" } as const;
const log = createLogger("test", "silent");
const MS = 1_000_000;

let fx: LogFixture | undefined;
let nc: NatsConnection;
let store: EventStore;
let observer: Informer;
let agentTimer: NodeJS.Timeout | undefined;
const running: RunningOrchestrator[] = [];

async function orchestrator(instance: string): Promise<RunningOrchestrator> {
  const o = await start({ nc, store, log, instanceId: instance }, { resyncMs: 300 });
  running.push(o);
  return o;
}

/** Appends expecting the aggregate's current version, as its real producer would. */
async function append<T extends EventType>(type: T, kind: AggregateKind, id: string, data: EventData<T>): Promise<void> {
  await observer.waitFor(await store.headSeq());
  const subject = subjects.event(kind, id);
  const expect = versionOf(observer.state, subject);
  const event = { id: `${type}-${id}-${expect}`, type, subject, at: new Date().toISOString(), actor, data } as Envelope;
  await store.append({ event, expectedLastSubjectSeq: expect, msgId: event.id });
}

function spec(image: string, update: UpdateConfig) {
  return {
    Name: "web", Mode: { Replicated: { Replicas: 6 } }, UpdateConfig: update,
    TaskTemplate: { ContainerSpec: { Image: image }, RestartPolicy: { Delay: 0 } },
  };
}

/** One round of the fake scheduler + agent on node n1. */
async function agentRound(): Promise<void> {
  await observer.waitFor(await store.headSeq());
  for (const t of tasksOfService(observer.state, "web")) {
    const timestamp = new Date().toISOString();
    if (taskStateRank(t.desiredState) > taskStateRank("running") && t.state === "running") {
      await append("TaskStatusChanged", "task", t.id, { taskId: t.id, state: "shutdown", message: "shutdown", timestamp });
    } else if (t.desiredState === "running" && t.state === "pending") {
      await append("TaskAssigned", "task", t.id, { taskId: t.id, nodeId: "n1" });
      await append("TaskStatusChanged", "task", t.id, { taskId: t.id, state: "running", message: "started", timestamp });
    }
  }
}

let agentStopped = false;
function startAgent(): void {
  const loop = async () => {
    try { await agentRound(); } catch { /* a conflict with the orchestrator: retried next round */ }
    // A round in flight when `after` ran must not schedule another: the loop (failing on the
    // closed connection) kept the file alive until the runner's 600 s timeout (CI run ci20).
    if (!agentStopped) agentTimer = setTimeout(loop, 50);
  };
  agentTimer = setTimeout(loop, 0);
}

const tasks = () => tasksOfService(observer.state, "web");
const image = (id: string) => observer.state.tasks.get(id)?.spec.ContainerSpec.Image;
const status = () => observer.state.services.get("web")?.updateStatus;

/** TaskCreated events of the log, replayed from the stream. */
async function created(): Promise<EventData<"TaskCreated">[]> {
  const replay = new Informer(store);
  const out: EventData<"TaskCreated">[] = [];
  replay.onEvent(({ event }) => { if (event.type === "TaskCreated") out.push(event.data); });
  await replay.start();
  await replay.stop();
  return out;
}

before(async () => {
  fx = await logFixture("orchestrator-update-test");
  ({ nc, store, view: observer } = fx);
  await append("NodeJoined", "node", "n1", { nodeId: "n1", name: "n1", role: "worker", availability: "active" });
  await append("NodeStatusChanged", "node", "n1", { nodeId: "n1", state: "ready", message: "" });
});
after(async () => {
  agentStopped = true;
  if (agentTimer) clearTimeout(agentTimer);
  for (const o of running.splice(0)) await o.stop();
  await fx?.stop();
});

describe("rolling update against a real nats-server", () => {
  it("an orchestrator stopped mid-update is replaced; the update completes, no slot updated twice", async () => {
    const update: UpdateConfig = { Parallelism: 2, Delay: 300 * MS, Monitor: 500 * MS };
    let o = await orchestrator("orchestrator-1");
    startAgent();
    await append("ServiceCreated", "service", "web", { serviceId: "web", spec: spec("busybox:1", update) });
    await eventually(() => tasks().filter((t) => t.state === "running").length === 6, { what: "6 running tasks" });

    await append("ServiceUpdated", "service", "web", { serviceId: "web", spec: spec("busybox:2", update) });
    await eventually(() => tasks().filter((t) => image(t.id) === "busybox:2").length >= 2, { what: "the first slots updating" });
    await o.stop();
    running.splice(0);
    assert.notEqual(status()?.state, "completed", "stopped mid-update");

    o = await orchestrator("orchestrator-2");
    await eventually(() => status()?.state === "completed", { what: "update completed", timeoutMs: 60_000 });
    assert.equal(status()?.message, "update completed");

    const live = tasks().filter((t) => t.desiredState === "running");
    assert.deepEqual(live.map((t) => [t.slot, image(t.id), t.state]).sort(),
      [1, 2, 3, 4, 5, 6].map((s) => [s, "busybox:2", "running"]));
    const perSlot = new Map<number, number>();
    for (const c of await created()) {
      if (c.spec.ContainerSpec.Image === "busybox:2") perSlot.set(c.slot, (perSlot.get(c.slot) ?? 0) + 1);
    }
    assert.deepEqual([...perSlot.entries()].sort(), [1, 2, 3, 4, 5, 6].map((s) => [s, 1]), "one new task per slot");
    // History kept: each slot's old task is shut down, not deleted.
    const old = tasks().filter((t) => image(t.id) === "busybox:1");
    assert.equal(old.length, 6);
    assert.ok(old.every((t) => t.desiredState === "shutdown" && t.state === "shutdown"));
  });
});
