import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { projectRoot } from "../../deploy/launcher/nats-server.js";
import type { Envelope } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";
import { eventsAfter } from "../helpers/task-events.js";
import { startTestSecretStore, storedKeys, storedKeysOf, type TestSecretStore } from "../helpers/secret-bucket.js";

/* `swarm secret …` / `swarm config …` against a real api on a real nats-server and a real secret-store. */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let store: JetStreamEventStore;
let api: RunningApi;
let secretStore: TestSecretStore;
let dir: string;

/** Runs the compiled CLI (asynchronously: the api answering it lives in this process); `input` is its stdin. */
function swarm(args: string[], input?: string | Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(projectRoot(), "dist/cli/main.js"), "--host", api.url, ...args], { timeout: 30_000, maxBuffer: 8 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
    child.stdin!.end(input ?? "");
  });
}
async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(api.url + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

/** A refused command: its message on stderr, exit 1, nothing appended, nothing stored. */
async function refused(args: string[], message: string, input?: string | Buffer): Promise<void> {
  const [head, keys] = [await store.headSeq(), await storedKeys(nc)];
  const r = await swarm(args, input);
  assert.deepEqual([r.code, r.stderr], [1, `Error: ${message}\n`], args.join(" "));
  assert.equal(await store.headSeq(), head, "nothing appended");
  assert.deepEqual(await storedKeys(nc), keys, "nothing stored");
}

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "cli-secrets-test" });
  await ensureStreams(nc);
  store = new JetStreamEventStore(nc);
  secretStore = await startTestSecretStore(nc, store);
  api = await start({ nc, store, log: createLogger("cli-secrets-test", "silent"), instanceId: "api-cli-secrets" }, { listen: "127.0.0.1:0", insecureHttp: true });
  dir = await mkdtemp(join(tmpdir(), "cli-secrets-"));
  assert.equal((await swarm(["init", "--node-name", "n1"])).code, 0);
});
after(async () => {
  await api?.stop();
  await secretStore?.cleanup();
  await nc?.drain();
  await nats?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("swarm secret / config", () => {
  it("secret create from a file and from stdin, ls, inspect (never the data), rm", async () => {
    await writeFile(join(dir, "pw"), "hunter2");
    const a = await swarm(["secret", "create", "--label", "env=prod", "db-pass", join(dir, "pw")]);
    assert.equal(a.code, 0, a.stderr);
    const id = a.stdout.trim();
    assert.match(id, /^[0-9a-z]{25}$/);
    const b = await swarm(["secret", "create", "db-user", "-"], "admin");
    assert.equal(b.code, 0, b.stderr);

    const ls = await swarm(["secret", "ls"]);
    const [header, ...rows] = ls.stdout.trimEnd().split("\n");
    assert.match(header!, /^ID {2,}NAME {2,}DRIVER {2,}CREATED {2,}UPDATED$/);
    assert.deepEqual(rows.map((r) => r.split(/ {3,}/).slice(0, 2)), [[id, "db-pass"], [b.stdout.trim(), "db-user"]]);
    assert.match(rows[0]!, /(Less than a second|\d+ seconds?) ago$/);
    assert.equal((await swarm(["secret", "ls", "-q", "--filter", "label=env=prod"])).stdout, `${id}\n`);
    assert.equal((await swarm(["secret", "ls", "--format", "{{.Name}}={{.Label \"env\"}}"])).stdout, "db-pass=prod\ndb-user=\n");
    assert.equal((await swarm(["secret", "ls", "--filter", "name=db-u", "--format", "table {{.Name}}"])).stdout, "NAME\ndb-user\n");

    const ins = await swarm(["secret", "inspect", "db-pass"]);
    const [obj] = JSON.parse(ins.stdout);
    assert.deepEqual([obj.ID, obj.Spec, obj.Versions.length], [id, { Name: "db-pass", Labels: { env: "prod" } }, 1]);
    assert.ok(!ins.stdout.includes("hunter2") && !ins.stdout.includes(Buffer.from("hunter2").toString("base64")));
    assert.match((await swarm(["secret", "inspect", "--pretty", "db-pass"])).stdout, /^ID: +\S+\nName: +db-pass\nLabels:\n - env=prod\nDriver: *\nCreated at: /);

    const r = await swarm(["secret", "rm", "db-pass", "nope"]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, "db-pass\n", "Error: secret nope not found\n"]);
    assert.deepEqual(await storedKeysOf(nc, id), []);
  });

  it("bad input: docker's and Swarm's words, nothing appended, nothing stored", async () => {
    await writeFile(join(dir, "empty"), "");
    await writeFile(join(dir, "big"), Buffer.alloc(512000, 1));
    const missing = join(dir, "nofile");
    await refused(["secret", "create", "x", missing], `error reading from ${missing}: open ${missing}: no such file or directory`);
    await refused(["secret", "create", "x", join(dir, "empty")], `error reading from ${join(dir, "empty")}: data is empty`);
    await refused(["secret", "create", "x", "-"], "error reading from STDIN: data is empty", "");
    await refused(["secret", "create", "x"], "secret file is required");
    await refused(["secret", "create", "x", join(dir, "big")], "secret data must be larger than 0 and less than 512000 bytes");
    await refused(["secret", "create", "bad/name", "-"], "invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]", "x");
    await refused(["secret", "create", "db-user", "-"], "rpc error: code = AlreadyExists desc = secret db-user already exists", "x");
    await refused(["config", "create", "-l", "=v", "c", "-"], "invalid label '=v': empty name", "x");
    await refused(["secret", "ls", "--format", "{{.Bogus}}"], `template parsing error: template: :1:2: executing "" at <.Bogus>: can't evaluate field Bogus in type *secret.secretContext`);
  });

  it("config: inspect shows the data (--pretty as text); ls has no DRIVER column", async () => {
    const c = await swarm(["config", "create", "nginx.conf", "-"], "server { listen 80; }\n");
    assert.equal(c.code, 0, c.stderr);
    const [obj] = JSON.parse((await swarm(["config", "inspect", "nginx.conf"])).stdout);
    assert.equal(Buffer.from(obj.Spec.Data, "base64").toString(), "server { listen 80; }\n");
    // docker's template prints the data as it is, then its newline after each object.
    assert.match((await swarm(["config", "inspect", "--pretty", "nginx.conf"])).stdout, /\nData:\nserver \{ listen 80; \}\n\n$/);
    assert.match((await swarm(["config", "ls"])).stdout.split("\n")[0]!, /^ID {2,}NAME {2,}CREATED {2,}UPDATED$/);
  });

  it("rm refused while in use (the service named), allowed after the service drops it", async () => {
    const id = (await swarm(["secret", "create", "api-key", "-"], "k")).stdout.trim();
    const spec = (secrets: unknown[]) => ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "busybox:1", Secrets: secrets } } });
    await call("POST", "/services/create", spec([{ SecretID: id, SecretName: "api-key", File: { Name: "api-key" }, Version: 1 }]));
    await refused(["secret", "rm", "api-key"], "secret 'api-key' is in use by the following service: web");
    const svc = await call("GET", "/services/web");
    await call("POST", `/services/web/update?version=${svc.Version.Index}`, spec([]));
    assert.deepEqual(await swarm(["secret", "rm", "api-key"]), { code: 0, stdout: "api-key\n", stderr: "" });
  });

  it("rotate: a new version from stdin; unpinned services move, pinned stay", async () => {
    const id = (await swarm(["secret", "create", "tls", "-"], "v1")).stdout.trim();
    const ref = (over = {}) => ({ SecretID: id, SecretName: "tls", Version: 1, ...over });
    await call("POST", "/services/create", { Name: "front", TaskTemplate: { ContainerSpec: { Image: "busybox:1", Secrets: [ref()] } } });
    await call("POST", "/services/create", { Name: "legacy", TaskTemplate: { ContainerSpec: { Image: "busybox:1", Secrets: [ref({ Pinned: true })] } } });
    const head = await store.headSeq();
    const r = await swarm(["secret", "rotate", "-d", "tls", "-"], "v2-payload");
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, "tls rotated to version 2\n", ""]);
    const events = (await eventsAfter(store, head)).map((e) => e.event as Envelope);
    const front = await call("GET", "/services/front");
    assert.deepEqual(events.map((e) => [e.type, e.subject]), [["SecretRotated", `swarm.evt.secret.${id}`], ["ServiceUpdated", `swarm.evt.service.${front.ID}`]]);
    assert.equal(front.Spec.TaskTemplate.ContainerSpec.Secrets[0].Version, 2);
    assert.equal((await call("GET", "/services/legacy")).Spec.TaskTemplate.ContainerSpec.Secrets[0].Version, 1);
    assert.match((await swarm(["secret", "inspect", "--pretty", "tls"])).stdout, /Versions:\n - 1: 2 bytes, created .*\n - 2: 10 bytes, created /);
    await refused(["secret", "rotate", "tls", "-"], "error reading from STDIN: data is empty", "");
  });
});
