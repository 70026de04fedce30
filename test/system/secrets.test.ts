import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { callBytes } from "../../services/shared/rpc/index.js";
import { newSealKey } from "../../services/shared/seal/index.js";
import { SwarmError } from "../../services/shared/errors/index.js";
import { SecretDeliverRpc, subjects } from "../../schemas/index.js";
import type { Service } from "../../schemas/api.js";
import { docker, IMAGE, joinAgent, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventsAfter } from "../helpers/task-events.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Secrets and configs end to end (issue #16) on the real stack — `swarm up`'s processes, the
 * secret-store, real containers, the `swarm` CLI: the canary, owner/mode/tmpfs, removal from the
 * host, a foreign node refused and audited, rotation rolled one task at a time, a bad rotation
 * rolled back, and `secret rm` after `service update --secret-rm`.
 */

const run = promisify(execFile);
let c: TestCluster;
let nc: NatsConnection;
let files: string;

before(async () => {
  c = await startTestCluster("secrets");
  nc = await connectNats({ url: c.natsUrl, name: "secrets-test", ...(c.natsTls ? { tls: c.natsTls } : {}) });
  files = mkdtempSync(join(tmpdir(), "jetswarm-secret-files-"));
});
after(async () => {
  await nc?.drain();
  await c?.cleanup();
  rmSync(files, { recursive: true, force: true });
});

/** `swarm <noun> create NAME FILE` from a payload written to a temp file that is removed at once. */
async function createObject(kind: "secret" | "config", name: string, payload: string | Buffer): Promise<void> {
  const path = join(files, `${kind}-${name}`);
  writeFileSync(path, payload, { mode: 0o600 });
  try { await c.swarm(kind, "create", name, path); } finally { rmSync(path, { force: true }); }
}
async function rotate(name: string, payload: string): Promise<void> {
  const path = join(files, `rotate-${name}`);
  writeFileSync(path, payload, { mode: 0o600 });
  try { await c.swarm("secret", "rotate", "-d", name, path); } finally { rmSync(path, { force: true }); }
}
/** The CLI's stderr of a command that must fail. */
async function refused(...args: string[]): Promise<string> {
  try {
    await c.swarm(...args);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`swarm ${args.join(" ")} succeeded`);
}
const service = (name: string) => c.get<Service>(`/services/${name}`);
async function runningContainers(name: string, n: number, check?: (id: string) => Promise<boolean>) {
  return (await eventually(async () => {
    if (process.env.TEST_DEBUG) console.error(await c.swarm("service", "ps", "--no-trunc", name).catch((e) => String(e)));
    // Every node's: tasks may be placed on the joined node too.
    const cs = (await Promise.all([c.containers({ running: true, service: name }), ...c.joined.map((a) => a.containers({ running: true, service: name }))])).flat();
    if (cs.length !== n) return undefined;
    if (check) for (const x of cs) if (!(await check(x.Id))) return undefined;
    return cs;
  }, { what: `${n} running containers of ${name}`, timeoutMs: 120_000 }))!;
}
async function sh(containerId: string, script: string): Promise<string> {
  return (await run("docker", ["exec", containerId, "sh", "-c", script])).stdout;
}
const catIs = (path: string, want: string) => async (id: string) => (await sh(id, `cat ${path}`).catch(() => "")) === want;
function tmpfsAt(path: string): boolean {
  return readFileSync("/proc/mounts", "utf8").split("\n").some((l) => { const f = l.split(" "); return f[1] === path && f[2] === "tmpfs"; });
}

/** Every regular file below `dir` (symlinks and sockets skipped). */
function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push(p);
  }
  return out;
}
/** The marker and its base64 at each of the three alignments it can take inside a longer base64 text. */
function needles(marker: string): Buffer[] {
  const b64 = (s: string, cut: number) => Buffer.from(s).toString("base64").slice(cut, -4);
  return [Buffer.from(marker), Buffer.from(b64(marker, 0)), Buffer.from(b64(`x${marker}`, 4)), Buffer.from(b64(`xx${marker}`, 4))];
}

describe("secrets and configs (system)", () => {
  let canaryTask = "";

  it("canary: the payload is only in the container's file; owner, mode, read-only tmpfs; config at /<name>", async () => {
    const marker = randomBytes(32).toString("hex");
    await createObject("secret", "canary", marker);
    await createObject("config", "app.conf", "listen 80\n");
    // A 1 s stop grace: the sleep (pid 1) ignores SIGTERM, so each stop would wait the default 10 s.
    await c.swarm("service", "create", "-d", "--name", "canary", "--secret", "source=canary,target=token,uid=1000,gid=1001,mode=0400",
      "--config", "app.conf", "--stop-grace-period", "1s", IMAGE, "sleep", "3600");
    const [ctr] = await runningContainers("canary", 1);
    canaryTask = ctr!.Labels["jetswarm.task.id"]!;
    assert.equal(await sh(ctr!.Id, "cat /run/secrets/token"), marker);
    assert.equal(await sh(ctr!.Id, "stat -c '%u:%g %a' /run/secrets/token /app.conf"), "1000:1001 400\n0:0 444\n");
    assert.equal(await sh(ctr!.Id, "cat /app.conf"), "listen 80\n");
    assert.match(await sh(ctr!.Id, "grep ' /run/secrets/token ' /proc/mounts"), /^tmpfs \/run\/secrets\/token tmpfs ro,/);
    const hostDir = join(c.dataDir, "agent", canaryTask);
    assert.ok(tmpfsAt(hostDir), "the host directory of the task's files is a tmpfs");
    const spec = (await service("canary")).Spec.TaskTemplate.ContainerSpec;
    assert.deepEqual(spec.Secrets?.map((r) => [r.SecretName, r.Version, r.File?.Name]), [["canary", 1, "token"]]);

    // Everything the cluster wrote: the nats-server store (EVENTS, every KV bucket, snapshots),
    // every process log, the joined nodes' dirs; and docker inspect. Only the task's tmpfs file has it.
    const hits: string[] = [];
    const dirs = [c.dataDir, ...c.joined.map((a) => a.dataDir)];
    for (const file of dirs.flatMap((d) => walk(d))) {
      const body = readFileSync(file);
      if (needles(marker).some((n) => body.includes(n))) hits.push(file);
    }
    assert.deepEqual(hits, [join(hostDir, "secret-0")], "the marker is nowhere but in the task's file");
    const inspect = JSON.stringify(await docker.getContainer(ctr!.Id).inspect());
    assert.ok(!needles(marker).some((n) => inspect.includes(n.toString())), "not in docker inspect");
  });

  it("bad references are refused with Swarm's messages and create nothing", async () => {
    assert.match(await refused("service", "create", "-d", "--name", "bad", "--secret", "nope", IMAGE), /secret not found: nope/);
    assert.match(await refused("service", "create", "-d", "--name", "bad", "--secret", "source=app.conf,target=x", "--config", "nope", IMAGE),
      /secret not found: app\.conf/);
    assert.match(await refused("service", "create", "-d", "--name", "bad", "--config", "app.conf@9", IMAGE), /config app\.conf has no version 9/);
    assert.match(await refused("service", "update", "--secret-add", "source=canary,target=token", "canary"),
      /secret references 'canary' and 'canary' have a conflicting target: 'token'/);
    assert.doesNotMatch(await c.swarm("service", "ls", "-q", "--filter", "name=bad"), /\S/);
  });

  it("a node asking for another node's task is refused, and the refusal is an audit event", async () => {
    const intruder = await joinAgent(c, "intruder");
    const store = new JetStreamEventStore(nc);
    const head = await store.headSeq();
    await assert.rejects(
      callBytes(nc, subjects.secretsOfNode(intruder.nodeId), SecretDeliverRpc, { meta: { taskId: canaryTask, publicKey: newSealKey().publicKey }, data: new Uint8Array(0) }),
      (err: unknown) => err instanceof SwarmError && err.code === "permission_denied",
    );
    const refusal = await eventually(async () => (await eventsAfter(store, head)).find((e) => e.event.type === "NodeSecretsRefused"), { what: "NodeSecretsRefused" });
    assert.equal(refusal!.event.subject, subjects.event("node", intruder.nodeId));
    assert.deepEqual({ ...(refusal!.event.data as object), reason: undefined }, { nodeId: intruder.nodeId, taskId: canaryTask, reason: undefined });
  });

  it("secret rm is refused while in use; after service update --secret-rm the task's files leave the host and rm succeeds", async () => {
    assert.match(await refused("secret", "rm", "canary"), /secret 'canary' is in use by the following service: canary/);
    const hostDir = join(c.dataDir, "agent", canaryTask);
    await c.swarm("service", "update", "-d", "--secret-rm", "canary", "canary");
    await runningContainers("canary", 1, async (id) => (await docker.getContainer(id).inspect()).Config.Labels["jetswarm.task.id"] !== canaryTask);
    await eventually(() => !tmpfsAt(hostDir) && !walk(join(c.dataDir, "agent")).some((f) => f.startsWith(hostDir)), { what: "old task's files removed" });
    await c.swarm("secret", "rm", "canary");
    assert.doesNotMatch(await c.swarm("secret", "ls", "-q"), /\S/);
  });

  it("secret rotate on 3 replicas: every task restarted with the new payload, one at a time", async () => {
    await createObject("secret", "rot", "one");
    await c.swarm("service", "create", "-d", "--name", "rot", "--replicas", "3", "--update-parallelism", "1", "--secret", "rot",
      "--stop-grace-period", "1s", IMAGE, "sleep", "3600");
    const before = await runningContainers("rot", 3, catIs("/run/secrets/rot", "one"));
    await rotate("rot", "two");
    const after = await runningContainers("rot", 3, catIs("/run/secrets/rot", "two"));
    assert.equal(after.filter((x) => before.some((b) => b.Id === x.Id)).length, 0, "every task replaced");
    await eventually(async () => (await service("rot")).UpdateStatus?.State === "completed", { what: "update completed", timeoutMs: 60_000 });
    assert.equal((await service("rot")).Spec.TaskTemplate.ContainerSpec.Secrets?.[0]?.Version, 2);
    // Parallelism 1: each new container was created after the previous new one had started.
    const infos = (await Promise.all(after.map((x) => docker.getContainer(x.Id).inspect()))).sort((a, b) => a.Created.localeCompare(b.Created));
    for (let i = 1; i < infos.length; i++) {
      assert.ok(Date.parse(infos[i]!.Created) >= Date.parse(infos[i - 1]!.State.StartedAt), `task ${i + 1} created after task ${i} started`);
    }
  });

  it("a rotation whose payload makes the service fail rolls back to the old version", async () => {
    await createObject("secret", "gate", "good");
    await c.swarm("service", "create", "-d", "--name", "gate", "--replicas", "2", "--secret", "gate", "--update-failure-action", "rollback",
      "--update-monitor", "3s", "--stop-grace-period", "1s", IMAGE, "sh", "-c", 'test "$(cat /run/secrets/gate)" = good && exec sleep 3600');
    await runningContainers("gate", 2, catIs("/run/secrets/gate", "good"));
    await rotate("gate", "bad");
    await eventually(async () => (await service("gate")).UpdateStatus?.State === "rollback_completed", { what: "rollback completed", timeoutMs: 120_000 });
    assert.equal((await service("gate")).Spec.TaskTemplate.ContainerSpec.Secrets?.[0]?.Version, 1);
    await runningContainers("gate", 2, catIs("/run/secrets/gate", "good"));
  });
});
