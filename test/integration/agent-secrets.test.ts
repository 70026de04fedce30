import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { randomId } from "../../services/shared/eventlog/index.js";
import { SwarmError } from "../../services/shared/errors/index.js";
import { serveBytes } from "../../services/shared/rpc/index.js";
import { seal } from "../../services/shared/seal/index.js";
import { DockerExecutor, start, CONTAINER_LABELS } from "../../services/agent/index.js";
import {
  SecretDeliverRpc, subjects, type ContainerSpec, type DeliveredFiles, type NodeTaskDoc, type TaskStatusReport,
} from "../../schemas/index.js";
import { startAgentBus, type AgentBus } from "../helpers/agent-bus.js";
import { eventually } from "../helpers/eventually.js";

/*
 * The agent's secret delivery against a stand-in secret-store (a `SecretDeliverRpc` responder that
 * seals its answer to the agent's key) on a real nats-server, with real containers and real tmpfs.
 */

const run = promisify(execFile);
const IMAGE = "jetswarm-test/busybox:1";
const docker = new Docker();
const log = createLogger("test", "silent");
const nodeIds: string[] = [];
const dirs: string[] = [];
let bus: AgentBus | undefined;
let nc: NatsConnection;
let js: JetStreamClient;
let reports: AgentBus["reports"];

/** What the stand-in secret-store answers per task: files, or an error to throw. */
const answers = new Map<string, () => DeliveredFiles>();
const asked: { subject: string; taskId: string }[] = [];

before(async () => {
  bus = await startAgentBus("agent-secrets-test", 500);
  ({ nc, js, reports } = bus);
  serveBytes(nc, subjects.secretsAll, SecretDeliverRpc, async ({ meta }, msg) => {
    asked.push({ subject: msg.subject, taskId: meta.taskId });
    const answer = answers.get(meta.taskId);
    if (!answer) throw new SwarmError("permission_denied", `task ${meta.taskId} is not assigned to this node`);
    const files = answer();
    return { meta: { count: files.files.length }, data: seal(meta.publicKey, Buffer.from(JSON.stringify(files)), meta.taskId) };
  });
});

after(async () => {
  for (const id of nodeIds) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.nodeId}=${id}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  }
  for (const d of dirs) {
    for (const m of mountsUnder(d)) await run("umount", ["-l", m]).catch(() => undefined);
    rmSync(d, { recursive: true, force: true });
  }
  await bus?.stop();
});

function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/mounts", "utf8").split("\n").map((l) => l.split(" ")[1] ?? "").filter((m) => m.startsWith(`${dir}/`));
}
function tmpfsAt(path: string): boolean {
  return readFileSync("/proc/mounts", "utf8").split("\n").some((l) => { const f = l.split(" "); return f[1] === path && f[2] === "tmpfs"; });
}

function newNode(): { nodeId: string; dir: string } {
  const nodeId = randomId();
  nodeIds.push(nodeId);
  const dir = mkdtempSync(join(tmpdir(), "jetswarm-agent-files-"));
  dirs.push(dir);
  return { nodeId, dir };
}
function startAgent(n: { nodeId: string; dir: string }) {
  return start({ nc, log, nodeId: n.nodeId, executor: new DockerExecutor(docker, log), statusFlushMs: 50, filesDir: n.dir, delivery: { attempts: 3, backoffMs: 50, timeoutMs: 1000 } });
}
function doc(nodeId: string, container: Partial<ContainerSpec>, over: Partial<NodeTaskDoc> = {}): NodeTaskDoc {
  return {
    taskId: randomId(), serviceId: "svc1", serviceName: "sec", slot: 1, nodeId,
    spec: { ContainerSpec: { Image: IMAGE, Command: ["sleep", "3600"], StopGracePeriod: 1_000_000_000, ...container } },
    desiredState: "running", version: 1, removed: false, ...over,
  };
}
async function publish(d: NodeTaskDoc): Promise<void> {
  await js.publish(subjects.nodeTask(d.nodeId, d.taskId), JSON.stringify(d));
}
async function reached(taskId: string, state: string): Promise<TaskStatusReport> {
  return (await eventually(() => (reports.get(taskId) ?? []).find((x) => x.state === state), { what: `${taskId} ${state}`, timeoutMs: 30_000 }))!;
}
async function sh(containerId: string, script: string): Promise<string> {
  return (await run("docker", ["exec", containerId, "sh", "-c", script])).stdout;
}
const b64 = (s: string) => Buffer.from(s).toString("base64");

const refs: Partial<ContainerSpec> = {
  Secrets: [
    { SecretID: "s1", SecretName: "db-pass", Version: 2 },
    { SecretID: "s2", SecretName: "tls", Version: 1, File: { Name: "/etc/tls.key", UID: "1000", GID: "1001", Mode: 0o400 } },
  ],
  Configs: [{ ConfigID: "c1", ConfigName: "app.conf", Version: 1 }],
};
const payloads = (): DeliveredFiles => ({ files: [
  { kind: "secret", id: "s1", version: 2, data: b64("hunter2") },
  { kind: "secret", id: "s2", version: 1, data: b64("KEY") },
  { kind: "config", id: "c1", version: 1, data: b64("listen 80\n") },
] });

describe("agent: secret and config delivery", () => {
  it("asks on its own node's subject, mounts each file read-only from a host tmpfs with its owner and mode, removes it when the task stops", async () => {
    const n = newNode();
    const d = doc(n.nodeId, refs);
    answers.set(d.taskId, payloads);
    await publish(d);
    const agent = await startAgent(n);
    try {
      const { containerId } = await reached(d.taskId, "running");
      assert.deepEqual(asked.filter((a) => a.taskId === d.taskId).map((a) => a.subject), [subjects.secretsOfNode(n.nodeId)]);
      assert.equal(await sh(containerId!, "cat /run/secrets/db-pass; echo; cat /etc/tls.key; echo; cat /app.conf"), "hunter2\nKEY\nlisten 80\n");
      assert.equal(await sh(containerId!, "stat -c '%u:%g %a' /run/secrets/db-pass /etc/tls.key /app.conf"), "0:0 444\n1000:1001 400\n0:0 444\n");
      const mounts = await sh(containerId!, "grep -E ' (/run/secrets/db-pass|/etc/tls.key|/app.conf) ' /proc/mounts");
      assert.equal(mounts.trim().split("\n").filter((l) => / tmpfs ro,/.test(l)).length, 3, mounts);
      assert.notEqual((await sh(containerId!, "echo x > /run/secrets/db-pass 2>&1; echo $?")).trim(), "0", "read-only");
      const hostDir = join(n.dir, d.taskId);
      assert.ok(tmpfsAt(hostDir), "the host directory is a tmpfs");
      const info = await docker.getContainer(containerId!).inspect();
      assert.deepEqual(info.HostConfig.Mounts?.map((m) => [m.Type, m.Target, m.ReadOnly]),
        [["bind", "/run/secrets/db-pass", true], ["bind", "/etc/tls.key", true], ["bind", "/app.conf", true]]);
      assert.ok(!JSON.stringify(info).includes("hunter2") && !JSON.stringify(info).includes(b64("hunter2")), "no payload in docker inspect");

      await publish({ ...d, desiredState: "shutdown", version: 2 });
      await reached(d.taskId, "shutdown");
      await eventually(() => !existsSync(hostDir) && !tmpfsAt(hostDir), { what: "host files removed" });
    } finally {
      await agent.stop();
    }
  });

  it("a refusal rejects the task with the secret-store's reason; no container is created", async () => {
    const n = newNode();
    const agent = await startAgent(n);
    try {
      const d = doc(n.nodeId, refs);
      await publish(d);
      const r = await reached(d.taskId, "rejected");
      assert.equal(r.err, `secret delivery failed: task ${d.taskId} is not assigned to this node`);
      const cs = await docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.taskId}=${d.taskId}`] } });
      assert.equal(cs.length, 0);
      assert.equal(existsSync(join(n.dir, d.taskId)), false);
    } finally {
      await agent.stop();
    }
  });

  it("unavailable is retried; a delivery that does not match the references is refused", async () => {
    const n = newNode();
    const agent = await startAgent(n);
    try {
      const flaky = doc(n.nodeId, refs);
      let calls = 0;
      answers.set(flaky.taskId, () => {
        if (++calls < 3) throw new SwarmError("unavailable", "secret-store is starting");
        return payloads();
      });
      const wrong = doc(n.nodeId, refs, { slot: 2 });
      answers.set(wrong.taskId, () => ({ files: payloads().files.slice(0, 2) }));
      await publish(flaky);
      await publish(wrong);
      await reached(flaky.taskId, "running");
      assert.equal(calls, 3);
      const r = await reached(wrong.taskId, "rejected");
      assert.equal(r.err, "secret delivery failed: the secret-store delivered 2 files for 3 references");
    } finally {
      await agent.stop();
    }
  });

  it("a restarted agent keeps the files of the containers it adopts (no second delivery)", async () => {
    const n = newNode();
    const d = doc(n.nodeId, refs);
    answers.set(d.taskId, payloads);
    await publish(d);
    const first = await startAgent(n);
    const { containerId } = await reached(d.taskId, "running");
    await first.stop();
    const askedBefore = asked.filter((a) => a.taskId === d.taskId).length;
    const second = await startAgent(n);
    try {
      assert.ok(tmpfsAt(join(n.dir, d.taskId)), "still mounted after the restart");
      assert.equal(await sh(containerId!, "cat /run/secrets/db-pass"), "hunter2");
      assert.equal(asked.filter((a) => a.taskId === d.taskId).length, askedBefore);
      await publish({ ...d, desiredState: "shutdown", version: 2 });
      await eventually(() => !existsSync(join(n.dir, d.taskId)), { what: "files removed at shutdown" });
    } finally {
      await second.stop();
    }
  });

  it("on start, files of tasks the node no longer runs are unmounted and removed", async () => {
    const n = newNode();
    const stale = join(n.dir, "gone-task");
    mkdirSync(stale);
    await run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", stale]);
    const agent = await startAgent(n);
    try {
      assert.equal(existsSync(stale), false);
      assert.equal(tmpfsAt(stale), false);
    } finally {
      await agent.stop();
    }
  });
});
