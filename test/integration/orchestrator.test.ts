import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { tasksOfService, versionOf, type EventStore } from "../../services/shared/model/index.js";
import { subjects, type Envelope, type EventData, type EventType, type RestartPolicy } from "../../schemas/index.js";
import { start, type RunningOrchestrator } from "../../services/orchestrator/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";

const actor = { kind: "user", id: "test" } as const;
const log = createLogger("test", "silent");

let fx: LogFixture | undefined;
let nc: NatsConnection;
let store: EventStore;
let observer: Informer;
const running: RunningOrchestrator[] = [];

async function orchestrator(instance: string): Promise<RunningOrchestrator> {
  const o = await start({ nc, store, log, instanceId: instance }, { resyncMs: 500 });
  running.push(o);
  return o;
}
async function stopAll(): Promise<void> {
  for (const o of running.splice(0)) await o.stop();
}

/** Appends as the api would: expecting the aggregate's current version. */
async function append<T extends EventType>(type: T, serviceId: string, data: EventData<T>): Promise<void> {
  await observer.waitFor(await store.headSeq());
  const subject = subjects.event("service", serviceId);
  const expect = versionOf(observer.state, subject);
  const event = { id: `${type}-${serviceId}-${expect}`, type, subject, at: new Date().toISOString(), actor, data } as Envelope;
  await store.append({ event, expectedLastSubjectSeq: expect, msgId: event.id });
}
async function appendTask<T extends EventType>(type: T, taskId: string, data: EventData<T>): Promise<void> {
  await observer.waitFor(await store.headSeq());
  const subject = subjects.event("task", taskId);
  const expect = versionOf(observer.state, subject);
  const event = { id: `${type}-${taskId}-${expect}`, type, subject, at: new Date().toISOString(), actor, data } as Envelope;
  await store.append({ event, expectedLastSubjectSeq: expect, msgId: event.id });
}

function spec(name: string, replicas: number, restart?: RestartPolicy) {
  return {
    Name: name, Mode: { Replicated: { Replicas: replicas } },
    TaskTemplate: { ContainerSpec: { Image: "busybox" }, ...(restart ? { RestartPolicy: restart } : {}) },
  };
}

/** Every event of `type` in the log about `serviceId`'s tasks (read back from the stream). */
async function logged(type: EventType, serviceId: string): Promise<Envelope[]> {
  const replay = new Informer(store);
  const out: Envelope[] = [];
  const taskService = new Map<string, string>();
  replay.onEvent(({ event }) => {
    if (event.type === "TaskCreated") taskService.set(event.data.taskId, event.data.serviceId);
    const taskId = "taskId" in event.data ? event.data.taskId : undefined;
    if (event.type === type && taskId !== undefined && taskService.get(taskId) === serviceId) out.push(event);
  });
  await replay.start();
  await replay.stop();
  return out;
}

const tasks = (serviceId: string) => tasksOfService(observer.state, serviceId);
const runnable = (serviceId: string) =>
  tasks(serviceId).filter((t) => t.desiredState === "running" || t.desiredState === "ready");

before(async () => {
  fx = await logFixture("orchestrator-test");
  ({ nc, store, view: observer } = fx);
});
after(async () => {
  await stopAll();
  await fx?.stop();
});

describe("orchestrator against a real nats-server", () => {
  it("creates, scales up, scales down and removes a replicated service", async () => {
    await orchestrator("orchestrator-a");
    await append("ServiceCreated", "web", { serviceId: "web", spec: spec("web", 3) });
    await eventually(() => tasks("web").length === 3, { what: "3 tasks" });
    assert.deepEqual(tasks("web").map((t) => [t.slot, t.state, t.desiredState]).sort(),
      [[1, "pending", "running"], [2, "pending", "running"], [3, "pending", "running"]]);

    await append("ServiceUpdated", "web", { serviceId: "web", spec: spec("web", 5) });
    await eventually(() => runnable("web").length === 5, { what: "5 runnable tasks" });

    await append("ServiceUpdated", "web", { serviceId: "web", spec: spec("web", 2) });
    await eventually(async () => (await logged("TaskDesiredStateChanged", "web")).length === 3, { what: "3 removals" });
    const removed = await logged("TaskDesiredStateChanged", "web");
    assert.ok(removed.every((e) => e.type === "TaskDesiredStateChanged" && e.data.desiredState === "remove"));
    await eventually(() => tasks("web").length === 2, { what: "removed pending tasks reaped" });
    assert.deepEqual(runnable("web").map((t) => t.slot).sort(), [1, 2]);

    await append("ServiceRemoved", "web", { serviceId: "web" });
    await eventually(() => tasks("web").length === 0, { what: "all tasks removed and reaped" });
    assert.equal((await logged("TaskDesiredStateChanged", "web")).length, 5);
    assert.equal((await logged("TaskCreated", "web")).length, 5);
  });

  it("converges from a cold start, and a restart against a converged log appends nothing", async () => {
    await stopAll();
    await append("ServiceCreated", "api", { serviceId: "api", spec: spec("api", 2) });
    const cold = await orchestrator("orchestrator-b");
    await cold.idle();
    await eventually(() => runnable("api").length === 2, { what: "2 tasks after a cold start" });
    await stopAll();

    const head = await store.headSeq();
    const again = await orchestrator("orchestrator-c");
    await again.idle();
    assert.equal(await store.headSeq(), head, "nothing new appended");
    assert.equal((await logged("TaskCreated", "api")).length, 2);
  });

  it("two instances racing on the same services create each task once", async () => {
    await stopAll();
    const [a, b] = [await orchestrator("orchestrator-d"), await orchestrator("orchestrator-e")];
    await append("ServiceCreated", "db", { serviceId: "db", spec: spec("db", 4) });
    await eventually(() => runnable("db").length === 4, { what: "4 tasks" });
    await Promise.all([a.idle(), b.idle()]);
    assert.equal((await logged("TaskCreated", "db")).length, 4);
  });

  it("replaces a failed task in its slot and promotes the replacement", async () => {
    await stopAll();
    await orchestrator("orchestrator-f");
    await append("ServiceCreated", "job", { serviceId: "job", spec: spec("job", 1, { Delay: 0 }) });
    await eventually(() => tasks("job").length === 1, { what: "1 task" });
    const [first] = tasks("job");
    await appendTask("TaskStatusChanged", first!.id, {
      taskId: first!.id, state: "failed", message: "failed", err: "task: non-zero exit (1)", timestamp: new Date().toISOString(),
    });
    await eventually(() => {
      const next = tasks("job").find((t) => t.replaces === first!.id);
      return next?.slot === 1 && next.desiredState === "running" && observer.state.tasks.get(first!.id)?.desiredState === "shutdown";
    }, { what: "replacement promoted, old task shut down" });
  });
});
