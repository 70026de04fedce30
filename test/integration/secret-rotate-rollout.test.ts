import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { tasksOfService, type TaskView } from "../../services/shared/model/index.js";
import { taskStateRank } from "../../schemas/index.js";
import { start as startApi, type RunningApi } from "../../services/api/index.js";
import { start as startOrchestrator, type RunningOrchestrator } from "../../services/orchestrator/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventually } from "../helpers/eventually.js";
import { startTestSecretStore, type TestSecretStore } from "../helpers/secret-bucket.js";

/*
 * `secret rotate` rolls the services that use the secret as any update does: the api's
 * ServiceUpdated (same spec, the reference at the new version) is rolled out by a real orchestrator
 * with the service's update config, and rolled back to the old version when the new tasks fail.
 * The test plays the scheduler and the agent (assigns pending tasks to the one node, runs them — or fails
 * those that reference `failVersion` — and stops what must stop).
 */

const log = createLogger("test", "silent");
const MS = 1_000_000;

let fx: LogFixture;
let api: RunningApi;
let orchestrator: RunningOrchestrator;
let secretStore: TestSecretStore;
let agentTimer: NodeJS.Timeout | undefined;
let agentStopped = false;
let serviceId = "";
let failVersion = 0;
let nodeId = "";

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(api.url + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const versionOfTask = (t: TaskView) => t.spec.ContainerSpec.Secrets?.[0]?.Version;
const tasks = () => tasksOfService(fx.view.state, serviceId);
const live = () => tasks().filter((t) => t.desiredState === "running");
const status = () => fx.view.state.services.get(serviceId)?.updateStatus;

async function agentRound(): Promise<void> {
  const timestamp = new Date().toISOString();
  for (const t of tasks()) {
    if (taskStateRank(t.desiredState) > taskStateRank("running") && t.state === "running") {
      await fx.emit("TaskStatusChanged", "task", t.id, { taskId: t.id, state: "shutdown", message: "shutdown", timestamp });
    } else if (t.desiredState === "running" && t.state === "pending") {
      await fx.emit("TaskAssigned", "task", t.id, { taskId: t.id, nodeId });
      const fails = versionOfTask(t) === failVersion;
      await fx.emit("TaskStatusChanged", "task", t.id, fails
        ? { taskId: t.id, state: "failed", message: "started", err: "task: non-zero exit (1)", timestamp }
        : { taskId: t.id, state: "running", message: "started", timestamp });
    }
  }
}

before(async () => {
  fx = await logFixture("secret-rotate-rollout");
  secretStore = await startTestSecretStore(fx.nc, fx.store);
  api = await startApi({ nc: fx.nc, store: fx.store, log, instanceId: "api-rollout" }, { listen: "127.0.0.1:0", insecureHttp: true });
  const init = await call("POST", "/swarm/init", { NodeName: "n1" });
  nodeId = init.body.NodeID;
  await fx.emit("NodeStatusChanged", "node", nodeId, { nodeId, state: "ready", message: "" });
  orchestrator = await startOrchestrator({ nc: fx.nc, store: fx.store, log, instanceId: "orchestrator-rollout" }, { resyncMs: 300 });
  const loop = async () => {
    try { await agentRound(); } catch { /* a conflict with the orchestrator: retried next round */ }
    // A round in flight when `after` runs must not schedule another (it would keep the file alive).
    if (!agentStopped) agentTimer = setTimeout(loop, 50);
  };
  agentTimer = setTimeout(loop, 0);
});
after(async () => {
  agentStopped = true;
  if (agentTimer) clearTimeout(agentTimer);
  await orchestrator?.stop();
  await api?.stop();
  await secretStore?.cleanup();
  await fx?.stop();
});

describe("secret rotate rolls the services that use it", () => {
  it("every task moves to the new version with the update config; a failing version rolls back to the old one", async () => {
    const secret = await call("POST", "/secrets/create", { Name: "tls", Data: Buffer.from("v1").toString("base64") });
    const spec = {
      Name: "web", Mode: { Replicated: { Replicas: 3 } },
      UpdateConfig: { Parallelism: 1, Delay: 0, Monitor: 300 * MS, FailureAction: "rollback" },
      TaskTemplate: {
        ContainerSpec: { Image: "busybox:1", Secrets: [{ SecretID: secret.body.ID, SecretName: "tls", File: { Name: "tls" }, Version: 1 }] },
        RestartPolicy: { Delay: 0 },
      },
    };
    serviceId = (await call("POST", "/services/create", spec)).body.ID;
    await eventually(() => live().filter((t) => t.state === "running").length === 3, { what: "3 running tasks" });

    const r = await call("POST", "/jetswarm/secrets/tls/rotate", { Data: Buffer.from("v2").toString("base64") });
    assert.deepEqual(r.body, { ID: secret.body.ID, Version: 2, Services: [serviceId] });
    await eventually(() => status()?.state === "completed", { what: "the rotation's update completed", timeoutMs: 60_000 });
    assert.deepEqual(live().map((t) => [t.state, versionOfTask(t)]), [["running", 2], ["running", 2], ["running", 2]]);
    assert.equal(tasks().filter((t) => versionOfTask(t) === 2).length, 3, "one new task per slot");

    failVersion = 3;
    assert.equal((await call("POST", "/jetswarm/secrets/tls/rotate", { Data: Buffer.from("v3").toString("base64") })).body.Version, 3);
    await eventually(() => status()?.state === "rollback_completed", { what: "rolled back after the version-3 task failed", timeoutMs: 60_000 });
    const svc = (await call("GET", "/services/web")).body;
    assert.equal(svc.Spec.TaskTemplate.ContainerSpec.Secrets[0].Version, 2, "the spec is back at version 2");
    await eventually(() => live().length === 3 && live().every((t) => t.state === "running" && versionOfTask(t) === 2), { what: "3 tasks on version 2" });
  });
});
