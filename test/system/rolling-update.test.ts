import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { tasksOfService, type TaskView } from "../../services/shared/model/index.js";
import type { Service } from "../../schemas/api.js";
import type { ServiceSpec, UpdateConfig } from "../../schemas/index.js";
import { docker, IMAGE, IMAGE2, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Rolling updates and rollback against the real stack (separate processes, real containers),
 * driven through the HTTP api. Timings are read from the EVENTS log (an Informer on the cluster's
 * nats-server), never from the test's own clock.
 */

const NS = 1_000_000_000;
let c: TestCluster;
let nc: NatsConnection;
let log: Informer;

before(async () => {
  c = await startTestCluster("rolling");
  nc = await connectNats({ url: c.natsUrl, name: "rolling-update-test", tls: c.natsTls });
  log = new Informer(new JetStreamEventStore(nc));
  await log.start();
});
after(async () => {
  await log?.stop();
  await nc?.drain();
  await c?.cleanup();
});

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await c.api(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

function spec(name: string, replicas: number, image: string, update: UpdateConfig = {}, args = ["sleep", "3600"]): ServiceSpec {
  return {
    Name: name, Mode: { Replicated: { Replicas: replicas } }, UpdateConfig: update,
    TaskTemplate: { ContainerSpec: { Image: image, Args: args, StopGracePeriod: 1 * NS }, RestartPolicy: { Delay: 1 * NS } },
  };
}

async function create(s: ServiceSpec): Promise<string> {
  const { ID } = await call<{ ID: string }>("POST", "/services/create", s);
  await running(ID, desired(s));
  return ID;
}
const desired = (s: ServiceSpec) => (s.Mode && "Replicated" in s.Mode ? s.Mode.Replicated.Replicas ?? 1 : 1);
const service = (id: string) => c.get<Service>(`/services/${id}`);

/** `service update` with the full new spec, expecting the service's current version. */
async function update(id: string, change: (s: ServiceSpec) => ServiceSpec, rollback = false): Promise<void> {
  const svc = await service(id);
  const q = `version=${svc.Version.Index}${rollback ? "&rollback=previous" : ""}`;
  await call("POST", `/services/${id}/update?${q}`, change(structuredClone(svc.Spec)));
}
const withImage = (image: string, args?: string[]) => (s: ServiceSpec): ServiceSpec => ({
  ...s, TaskTemplate: { ...s.TaskTemplate, ContainerSpec: { ...s.TaskTemplate.ContainerSpec, Image: image, ...(args ? { Args: args } : {}) } },
});

async function updateState(id: string, state: string, timeoutMs = 120_000): Promise<Service> {
  let last: Service | undefined;
  await eventually(async () => {
    last = await service(id);
    return last.UpdateStatus?.State === state;
  }, { timeoutMs, what: `update status ${state} of ${id}` });
  return last!;
}

/** Waits until `n` containers and tasks of the service run, all on `image` if given. */
async function running(id: string, n: number, image?: string): Promise<void> {
  const name = (await service(id)).Spec.Name;
  await eventually(async () => {
    await log.waitFor(log.seq);
    const ctrs = await c.containers({ running: true, service: name });
    const live = tasks(id).filter((t) => t.state === "running" && t.desiredState === "running");
    if (ctrs.length !== n || live.length !== n) return false;
    return !image || (ctrs.every((x) => x.Image === image) && live.every((t) => t.spec.ContainerSpec.Image === image));
  }, { timeoutMs: 120_000, what: `${n} running containers of ${name}${image ? ` on ${image}` : ""}` });
}

const tasks = (id: string): TaskView[] => tasksOfService(log.state, id);
const ms = (iso: string | undefined) => (iso === undefined ? NaN : Date.parse(iso));
const onImage = (id: string, image: string) =>
  tasks(id).filter((t) => t.spec.ContainerSpec.Image === image).sort((a, b) => ms(a.createdAt) - ms(b.createdAt));

/** When the task stopped (its shutdown/failed status), ms. */
const stoppedAt = (t: TaskView) => (["shutdown", "failed", "complete"].includes(t.state) ? ms(t.statusAt) : Infinity);

describe("rolling update, real stack", () => {
  it("image :1 → :2, parallelism 2, delay 2s on 5 replicas: ≤ 2 in flight, delay kept, every slot on :2, history kept", async () => {
    const id = await create(spec("roll", 5, IMAGE, { Parallelism: 2, Delay: 2 * NS, Monitor: 1 * NS }));
    await update(id, withImage(IMAGE2));
    const done = await updateState(id, "completed");
    assert.equal(done.UpdateStatus?.Message, "update completed");
    await running(id, 5, IMAGE2);

    const fresh = onImage(id, IMAGE2);
    assert.deepEqual(fresh.map((t) => t.slot).sort(), [1, 2, 3, 4, 5], "one new task per slot");
    for (const t of fresh) {
      const inFlight = fresh.filter((x) => ms(x.createdAt) <= ms(t.createdAt) && ms(t.createdAt) < ms(x.runningAt)).length;
      assert.ok(inFlight <= 2, `${inFlight} slots in flight when ${t.id} started`);
    }
    for (const [k, t] of fresh.entries()) {
      if (k < 2) continue;
      const freed = fresh.slice(0, k).some((x) => ms(x.runningAt) + 2000 <= ms(t.createdAt));
      assert.ok(freed, `slot ${t.slot} started less than the 2s delay after a finished slot`);
    }
    const old = onImage(id, IMAGE);
    assert.equal(old.length, 5, "the old tasks are kept as history");
    for (const o of old) {
      assert.equal(o.desiredState, "shutdown");
      assert.equal(o.state, "shutdown");
      const next = fresh.find((t) => t.slot === o.slot)!;
      assert.ok(stoppedAt(o) <= ms(next.runningAt), `stop-first: slot ${o.slot} never ran two containers`);
    }
  });

  it("start-first: the new task runs before the old one stops", async () => {
    const id = await create(spec("startfirst", 2, IMAGE, { Order: "start-first", Monitor: 1 * NS }));
    await update(id, withImage(IMAGE2));
    await updateState(id, "completed");
    await running(id, 2, IMAGE2);
    for (const o of onImage(id, IMAGE)) {
      const next = onImage(id, IMAGE2).find((t) => t.slot === o.slot)!;
      await eventually(() => log.state.tasks.get(o.id)?.state === "shutdown", { what: `old task of slot ${o.slot} stopped` });
      assert.ok(ms(next.runningAt) <= stoppedAt(log.state.tasks.get(o.id)!), `slot ${o.slot}: new running before old stopped`);
    }
  });

  it("a failing new version with failure action pause → paused, naming the task and its exit; manual rollback → rollback_completed", async () => {
    const id = await create(spec("pausing", 2, IMAGE, { Monitor: 5 * NS }));
    await update(id, withImage(IMAGE2, ["sh", "-c", "exit 3"]));
    const paused = await updateState(id, "paused");
    assert.match(paused.UpdateStatus!.Message, /^update paused due to failure or early termination of task [a-z0-9]+: task: non-zero exit \(3\)$/);
    await update(id, (s) => s, true);
    await updateState(id, "rollback_completed");
    await running(id, 2, IMAGE);
  });

  it("a failing new version with failure action rollback → rollback_completed, every slot back on :1", async () => {
    const id = await create(spec("rollingback", 3, IMAGE, { FailureAction: "rollback", Monitor: 5 * NS }));
    await update(id, withImage(IMAGE2, ["sh", "-c", "exit 3"]));
    const done = await updateState(id, "rollback_completed");
    assert.equal(done.UpdateStatus?.Message, "rollback completed");
    assert.equal(done.Spec.TaskTemplate.ContainerSpec.Image, IMAGE);
    await running(id, 3, IMAGE);
  });

  it("max failure ratio 0.5 on 4 replicas: one failure does not stop the update", async () => {
    const id = await create(spec("ratio", 4, IMAGE, { MaxFailureRatio: 0.5, Monitor: 10 * NS }));
    await update(id, withImage(IMAGE2));
    const victim = await eventually(async () => (await c.containers({ running: true, service: "ratio" })).find((x) => x.Image === IMAGE2),
      { what: "a first container on :2" });
    await docker.getContainer(victim!.Id).kill();
    await updateState(id, "completed");
    await running(id, 4, IMAGE2);
    assert.ok(tasks(id).some((t) => t.state === "failed" && t.spec.ContainerSpec.Image === IMAGE2), "the killed task failed");
  });

  it("restart-max-attempts 2 with a crashing command: exactly 2 restarts, then the slot stays failed", async () => {
    const s = spec("crashing", 1, IMAGE, {}, ["sh", "-c", "exit 3"]);
    s.TaskTemplate.RestartPolicy = { Condition: "on-failure", MaxAttempts: 2, Delay: 0.5 * NS };
    const { ID: id } = await call<{ ID: string }>("POST", "/services/create", s);
    await eventually(() => tasks(id).length === 3 && tasks(id).every((t) => t.state === "failed"), { what: "3 failed tasks", timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 3000)); // long enough for a (wrong) fourth attempt to show
    assert.equal(tasks(id).length, 3);
    assert.ok(tasks(id).every((t) => t.state === "failed" && t.exitCode === 3));
  });

  it("kill -9 of the orchestrator mid-update → the update completes, no slot updated twice", async () => {
    const id = await create(spec("survivor", 4, IMAGE, { Parallelism: 1, Delay: 1 * NS, Monitor: 1 * NS }));
    await update(id, withImage(IMAGE2));
    await eventually(() => onImage(id, IMAGE2).length >= 1, { what: "the update to start" });
    const old = c.supervisor.kill("orchestrator", "SIGKILL");
    await eventually(() => c.supervisor.get("orchestrator")?.child?.pid !== old, { what: "the orchestrator to be restarted" });
    await updateState(id, "completed");
    await running(id, 4, IMAGE2);
    assert.deepEqual(onImage(id, IMAGE2).map((t) => t.slot).sort(), [1, 2, 3, 4], "one new task per slot");
  });
});
