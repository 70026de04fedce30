import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigReadRpc, DeliveredFiles, SecretDeleteRpc, SecretDeliverRpc, SecretPutRpc, subjects, type SecretKind } from "../../schemas/index.js";
import { SwarmError } from "../../services/shared/errors/index.js";
import { callBytes } from "../../services/shared/rpc/index.js";
import { newSealKey } from "../../services/shared/seal/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { start, type RunningSecretStore } from "../../services/secret-store/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { eventsAfter } from "../helpers/task-events.js";
import { eventually } from "../helpers/eventually.js";

/*
 * The secret-store against a real nats-server: payloads stored encrypted and read back only as
 * allowed, delivery sealed to the assigned node's key and refused (and audited) for any other, the
 * KEK's rules at start, and the canary: the plaintext is nowhere in the nats-server's store.
 */

let fx: LogFixture;
let keysDir: string;
let store: RunningSecretStore;
const log = createLogger("test", process.env.TEST_LOG === "1" ? "debug" : "silent");
const none = new Uint8Array(0);

const startStore = (dir: string, instanceId = "secret-store-t1") =>
  start({ nc: fx.nc, store: fx.store, log, instanceId }, { keysDir: dir, deliver: { catchUpMs: 500 } });
const put = (kind: SecretKind, id: string, version: number, data: Uint8Array) =>
  callBytes(fx.nc, subjects.secretStorePut, SecretPutRpc, { meta: { kind, id, version, name: id }, data });
const isCode = (code: string, re?: RegExp) => (e: unknown) => e instanceof SwarmError && e.code === code && (!re || re.test(e.message));

/** A secret (or config) created as the api does: payload to the store, then the event with its size and HMAC. */
async function create(kind: SecretKind, id: string, data: Uint8Array): Promise<string> {
  const { meta } = await put(kind, id, 1, data);
  const d = { name: id, labels: {}, version: 1, size: meta.size, hmac: meta.hmac };
  if (kind === "secret") await fx.emit("SecretCreated", "secret", id, { secretId: id, ...d });
  else await fx.emit("ConfigCreated", "config", id, { configId: id, ...d });
  return meta.hmac;
}

async function assignTask(taskId: string, nodeId: string, secrets: string[], configs: string[]): Promise<void> {
  await fx.emit("TaskCreated", "task", taskId, {
    taskId, serviceId: "svc", serviceName: "web", slot: 1, specVersion: 1, desiredState: "running", state: "pending",
    spec: { ContainerSpec: {
      Image: "img",
      Secrets: secrets.map((s) => ({ SecretID: s, SecretName: s, Version: 1 })),
      Configs: configs.map((c) => ({ ConfigID: c, ConfigName: c, Version: 1 })),
    } },
  });
  await fx.emit("TaskAssigned", "task", taskId, { taskId, nodeId });
}

async function deliver(nodeId: string, taskId: string): Promise<DeliveredFiles> {
  const key = newSealKey();
  const out = await callBytes(fx.nc, subjects.secretsOfNode(nodeId), SecretDeliverRpc, { meta: { taskId, publicKey: key.publicKey }, data: none });
  const files = DeliveredFiles.parse(JSON.parse(key.open(out.data, taskId).toString()));
  assert.equal(out.meta.count, files.files.length);
  return files;
}

before(async () => {
  fx = await logFixture("secret-store-test");
  keysDir = join(mkdtempSync(join(tmpdir(), "jetswarm-keys-")), "keys");
  store = await startStore(keysDir);
});
after(async () => {
  await store?.stop();
  await fx?.stop();
  rmSync(join(keysDir, ".."), { recursive: true, force: true });
});

describe("secret-store", () => {
  it("creates the KEK at first start: 32 bytes, file 0600 in a 0700 directory", () => {
    assert.equal(readFileSync(join(keysDir, "kek")).length, 32);
    assert.equal(statSync(join(keysDir, "kek")).mode & 0o777, 0o600);
    assert.equal(statSync(keysDir).mode & 0o777, 0o700);
  });

  it("stores a payload once: the same payload again is the same answer, another one for that version is refused", async () => {
    const data = Buffer.from("s3cret-value");
    const first = await put("secret", "sput", 1, data);
    assert.equal(first.meta.size, data.length);
    assert.match(first.meta.hmac, /^[0-9a-f]{64}$/);
    assert.deepEqual((await put("secret", "sput", 1, data)).meta, first.meta);
    await assert.rejects(put("secret", "sput", 1, Buffer.from("other")), isCode("already_exists", /already stored with another payload/));
    await assert.rejects(put("secret", "sput", 1, none), isCode("invalid_argument", /larger than 0 and less than 500 KiB/));
    await assert.rejects(put("secret", "bad.id", 1, data), isCode("invalid_argument", /id/));
  });

  it("reads a config back (1000 KiB travels as bytes), never a secret", async () => {
    const big = randomBytes(1000 * 1024 - 1);
    await create("config", "cbig", big);
    const out = await callBytes(fx.nc, subjects.secretStoreRead, ConfigReadRpc, { meta: { id: "cbig", version: 1 }, data: none });
    assert.equal(out.meta.size, big.length);
    assert.ok(Buffer.from(out.data).equals(big));
    await create("secret", "snoread", Buffer.from("hidden"));
    await assert.rejects(callBytes(fx.nc, subjects.secretStoreRead, ConfigReadRpc, { meta: { id: "snoread", version: 1 }, data: none }),
      isCode("permission_denied", /is a secret/));
    await assert.rejects(callBytes(fx.nc, subjects.secretStoreRead, ConfigReadRpc, { meta: { id: "cbig", version: 2 }, data: none }),
      isCode("not_found"));
  });

  it("delivers a task's secrets and configs to its node, sealed to the caller's key, in the spec's order", async () => {
    await create("secret", "sdb", Buffer.from("db-password"));
    await create("config", "cweb", Buffer.from("server {}"));
    await assignTask("t-ok", "node-a", ["sdb"], ["cweb"]);
    const files = await deliver("node-a", "t-ok");
    assert.deepEqual(files.files.map((f) => [f.kind, f.id, f.version, Buffer.from(f.data, "base64").toString()]),
      [["secret", "sdb", 1, "db-password"], ["config", "cweb", 1, "server {}"]]);
    await assert.rejects(callBytes(fx.nc, subjects.secretsOfNode("node-a"), SecretDeliverRpc, { meta: { taskId: "t-ok", publicKey: "not-a-key" }, data: none }),
      isCode("invalid_argument", /^publicKey: /));
  });

  it("refuses another node's request with permission_denied and records it on that node's aggregate", async () => {
    const head = await fx.store.headSeq();
    await assert.rejects(callBytes(fx.nc, subjects.secretsOfNode("node-b"), SecretDeliverRpc, { meta: { taskId: "t-ok", publicKey: newSealKey().publicKey }, data: none }),
      isCode("permission_denied", /not assigned to node node-b/));
    const refusals = await eventually(async () => {
      const es = (await eventsAfter(fx.store, head)).filter((e) => e.event.type === "NodeSecretsRefused");
      return es.length > 0 ? es : undefined;
    }, { what: "NodeSecretsRefused in the log" });
    const e = refusals![0]!.event;
    assert.equal(e.subject, subjects.event("node", "node-b"));
    assert.deepEqual(e.data, { nodeId: "node-b", taskId: "t-ok", reason: "task t-ok is not assigned to node node-b" });
    assert.deepEqual(e.actor, { kind: "node", id: "node-b", via: "secret-store-t1" });
  });

  it("refuses an unknown task after waiting for the projection, and a task that has ended", async () => {
    await assert.rejects(deliver("node-a", "t-nobody"), isCode("permission_denied", /t-nobody is unknown/));
    await assignTask("t-done", "node-a", ["sdb"], []);
    await fx.emit("TaskStatusChanged", "task", "t-done", { taskId: "t-done", state: "failed", message: "exit 1", timestamp: new Date().toISOString() });
    await assert.rejects(deliver("node-a", "t-done"), isCode("permission_denied", /has ended \(failed\)/));
  });

  it("deletes every version of one id", async () => {
    await put("secret", "sdel", 1, Buffer.from("v1"));
    await put("secret", "sdel", 2, Buffer.from("v2"));
    await callBytes(fx.nc, subjects.secretStoreDelete, SecretDeleteRpc, { meta: { kind: "secret", id: "sdel" }, data: none });
    // Gone: a new payload for version 1 is accepted again (it would be refused as a different payload otherwise).
    await put("secret", "sdel", 1, Buffer.from("another"));
    await put("secret", "sdel", 2, Buffer.from("another"));
  });

  it("canary: a random marker stored and delivered is nowhere in the nats-server's store, in raw or base64", async () => {
    const marker = randomBytes(32);
    const hmac = await create("secret", "scanary", marker);
    await assignTask("t-canary", "node-a", ["scanary"], []);
    assert.ok(Buffer.from((await deliver("node-a", "t-canary")).files[0]!.data, "base64").equals(marker));
    // Positive control: what the log does hold (the HMAC in SecretCreated) is found on disk, so the files are flushed.
    await eventually(() => grepStore(Buffer.from(hmac)).length > 0, { what: "the HMAC on disk (store flushed)" });
    for (const needle of [marker, Buffer.from(marker.toString("base64")), Buffer.from(marker.toString("base64url")), Buffer.from(marker.toString("hex"))]) {
      assert.deepEqual(grepStore(needle), [], `${needle.toString().slice(0, 12)}… found`);
    }
  });

  it("refuses to start without the KEK once the bucket is keyed, or with another key, naming the file", async () => {
    const empty = join(mkdtempSync(join(tmpdir(), "jetswarm-keys-")), "keys");
    await assert.rejects(startStore(empty, "secret-store-t2"), isCode("failed_precondition", new RegExp(`${empty}/kek is missing`)));
    mkdirSync(empty, { recursive: true, mode: 0o700 });
    writeFileSync(join(empty, "kek"), randomBytes(32), { mode: 0o600 });
    await assert.rejects(startStore(empty, "secret-store-t2"), isCode("failed_precondition", /is not the key the secret store's bucket was encrypted with/));
    rmSync(join(empty, ".."), { recursive: true, force: true });
  });
});

function grepStore(needle: Buffer): string[] {
  const hits: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(fx.nats.dataDir);
  return hits;
}
