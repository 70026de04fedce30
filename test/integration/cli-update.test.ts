import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { subjects, type Envelope, type TaskSpec } from "../../schemas/index.js";
import { eventually } from "../helpers/eventually.js";
import { startInProcessApi, type InProcessApi } from "../helpers/in-process-api.js";

let t: InProcessApi;
let store: JetStreamEventStore;

/** The compiled CLI; a converging service need stay running 300 ms, not its monitor period (5 s), to keep the waits short. */
const swarm = (...args: string[]) => t.swarm({ SWARM_PROGRESS_MONITOR_MS: "300" }, ...args);
async function get(path: string): Promise<any> {
  const res = await fetch(t.api.url + path);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

/** What the orchestrator and agent would append: a task of `spec` in `slot`, running. */
async function runningTask(serviceId: string, taskId: string, slot: number, spec: TaskSpec): Promise<void> {
  const base = { subject: subjects.event("task", taskId), at: new Date().toISOString(), actor: { kind: "service", id: "test" } } as const;
  const created: Envelope = { ...base, id: `c-${taskId}`, type: "TaskCreated", data: {
    taskId, serviceId, serviceName: "web", slot, spec, specVersion: 1, desiredState: "running", state: "pending" } };
  const c = await store.append({ event: created, expectedLastSubjectSeq: 0, msgId: `c-${taskId}` });
  await store.append({ event: { ...base, id: `r-${taskId}`, type: "TaskStatusChanged", data: { taskId, state: "running", message: "started", timestamp: new Date().toISOString() } },
    expectedLastSubjectSeq: c.seq, msgId: `r-${taskId}` });
}

before(async () => {
  // The update and rollback runs without -d wait on progress: each CLI run may take 60 s, not the default 30 s.
  t = await startInProcessApi("cli-update", { cliTimeoutMs: 60_000 });
  store = t.store;
  const init = await swarm("init", "--node-name", "node-1");
  assert.equal(init.code, 0, init.stderr);
});
after(async () => {
  await t?.stop();
});

describe("swarm service update / rollback through the compiled CLI", () => {
  it("update --image … -d prints the SERVICE argument; the api keeps the previous spec", async () => {
    const c = await swarm("service", "create", "-d", "--name", "web", "--replicas", "1", "--update-delay", "1s", "busybox:1", "sleep", "3600");
    assert.equal(c.code, 0, c.stderr);
    const u = await swarm("service", "update", "--image", "busybox:2", "--update-failure-action", "rollback", "--env-add", "A=1", "-d", "web");
    assert.deepEqual([u.code, u.stdout, u.stderr], [0, "web\n", ""]);
    const svc = await get("/services/web");
    assert.equal(svc.Spec.TaskTemplate.ContainerSpec.Image, "busybox:2");
    assert.deepEqual(svc.Spec.TaskTemplate.ContainerSpec.Env, ["A=1"]);
    assert.deepEqual(svc.Spec.UpdateConfig, { Delay: 1e9, FailureAction: "rollback" });
    assert.equal(svc.PreviousSpec.TaskTemplate.ContainerSpec.Image, "busybox:1");
  });

  it("bad flags are one line naming the flag, exit 1, nothing changed", async () => {
    const bad = await swarm("service", "update", "--update-delay", "x", "-d", "web");
    assert.deepEqual([bad.code, bad.stderr], [1, `Error: invalid argument "x" for "--update-delay" flag: time: invalid duration "x"\n`]);
    const ratio = await swarm("service", "update", "--update-max-failure-ratio", "2", "-d", "web");
    assert.deepEqual([ratio.code, ratio.stderr],
      [1, "Error: UpdateConfig.MaxFailureRatio: update-maxfailureratio cannot be less than 0 or bigger than 1\n"]);
    const mixed = await swarm("service", "update", "--rollback", "--image", "x", "web");
    assert.deepEqual([mixed.code, mixed.stderr], [1, "Error: other flags may not be combined with --rollback\n"]);
    assert.equal((await get("/services/web")).Spec.TaskTemplate.ContainerSpec.Image, "busybox:2");
  });

  it("rollback -d swaps back; a service without a previous spec is refused", async () => {
    const r = await swarm("service", "rollback", "-d", "web");
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, "web\n", ""]);
    const svc = await get("/services/web");
    assert.equal(svc.Spec.TaskTemplate.ContainerSpec.Image, "busybox:1");
    assert.equal(svc.UpdateStatus.Message, "manually requested rollback");
    const solo = await swarm("service", "create", "-d", "--name", "solo", "busybox:1");
    const refused = await swarm("service", "rollback", "-d", "solo");
    assert.deepEqual([refused.code, refused.stderr], [1, `Error: service ${solo.stdout.trim()} does not have a previous spec\n`]);
  });

  it("rollback without -d shows the reason, `rolling back update:` and converges", async () => {
    const before = await get("/services/web");
    const run = swarm("service", "rollback", "web");
    // The rollback returns to busybox:2 (rolling back twice returns to the newer spec, as in Swarm).
    const svc = await eventually(async () => {
      const s = await get("/services/web");
      return s.Version.Index > before.Version.Index ? s : undefined;
    }, { what: "the rollback to be recorded" });
    await runningTask(svc.ID, "tweb00000000000000000000a", 1, svc.Spec.TaskTemplate);
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 2), ["web", "rollback: manually requested rollback"]);
    assert.ok(lines.includes("overall progress: rolling back update: 1 out of 1 tasks"), r.stdout);
    assert.equal(lines.at(-1), "verify: Service web converged");
  });

  it("update waits, and a paused update exits 1 with Swarm's words", async () => {
    const run = swarm("service", "update", "--image", "busybox:3", "web");
    const svc = await eventually(async () => {
      const s = await get("/services/web");
      return s.Spec.TaskTemplate.ContainerSpec.Image === "busybox:3" ? s : undefined;
    }, { what: "the update to be recorded" });
    const message = "update paused due to failure or early termination of task tweb00000000000000000000b";
    const subject = subjects.event("service", svc.ID);
    await store.append({
      event: { id: "p-web", subject, at: new Date().toISOString(), actor: { kind: "service", id: "test" }, type: "ServiceUpdateStatusChanged",
        data: { serviceId: svc.ID, state: "paused", message } },
      expectedLastSubjectSeq: svc.Version.Index, msgId: "p-web",
    });
    const r = await run;
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stdout.split("\n")[0], "web");
    assert.equal(r.stderr, `Error: service update paused: ${message}\n`);
  });

  it("inspect --pretty shows the update status and configs with defaults", async () => {
    const r = await swarm("service", "inspect", "--pretty", "web");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /UpdateStatus:\n State:\t\tpaused\n Started:\t.+\n Message:\tupdate paused due to/);
    assert.match(r.stdout, /UpdateConfig:\n Parallelism:\t1\n Delay:\t\t1s\n On failure:\trollback\n Monitoring Period: 5s\n/);
    assert.match(r.stdout, /RollbackConfig:\n Parallelism:\t1\n On failure:\tpause\n/);
    // docker 28's template has no Restart Policy block: the restart policy is in the JSON.
    assert.doesNotMatch(r.stdout, /Restart Policy/);
    const [json] = JSON.parse((await swarm("service", "inspect", "web")).stdout);
    assert.equal(json.Spec.TaskTemplate.ContainerSpec.StopGracePeriod, 10e9);
  });

  it("swarm update prints `Swarm updated.` and the cluster changes", async () => {
    const r = await swarm("update", "--task-history-limit", "3", "--dispatcher-heartbeat", "2s");
    assert.deepEqual([r.code, r.stdout], [0, "Swarm updated.\n"]);
    const info = await get("/swarm");
    assert.equal(info.Spec.Orchestration.TaskHistoryRetentionLimit, 3);
    assert.equal(info.Spec.Dispatcher.HeartbeatPeriod, 2e9);
    const bad = await swarm("update", "--dispatcher-heartbeat", "soon");
    assert.deepEqual([bad.code, bad.stderr], [1, `Error: invalid argument "soon" for "--dispatcher-heartbeat" flag: time: invalid duration "soon"\n`]);
  });
});
