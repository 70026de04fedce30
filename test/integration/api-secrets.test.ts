import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { SecretPutRpc, subjects, type Envelope } from "../../schemas/index.js";
import { callBytes } from "../../services/shared/rpc/index.js";
import { testNats } from "../helpers/nats.js";
import { eventsAfter } from "../helpers/task-events.js";
import { startTestSecretStore, storedKeys, storedKeysOf, watchSecretStore, type TestSecretStore } from "../helpers/secret-bucket.js";

/*
 * Secrets and configs through the api's HTTP surface, on a real nats-server with a real
 * secret-store (what it stores is read from its bucket's keys; what it is asked, by a watcher).
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let store: JetStreamEventStore;
let api: RunningApi;
let secretStore: TestSecretStore;
let watched: ReturnType<typeof watchSecretStore>;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(api.url + path, {
    method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
const svc = (name: string, secrets: unknown[]) => ({ Name: name, TaskTemplate: { ContainerSpec: { Image: "busybox:1", Secrets: secrets } } });
const ref = (id: string, name: string, over: Record<string, unknown> = {}) => ({ SecretID: id, SecretName: name, File: { Name: name }, Version: 1, ...over });

/** What a refused request must leave: no event, nothing stored, no put sent. */
async function nothingChanged(fn: () => Promise<void>): Promise<void> {
  const [head, keys, calls] = [await store.headSeq(), await storedKeys(nc), watched.calls.length];
  await fn();
  assert.equal(await store.headSeq(), head, "nothing appended");
  assert.deepEqual(await storedKeys(nc), keys, "nothing stored");
  assert.deepEqual(watched.calls.slice(calls).filter((c) => c.startsWith("put")), [], "nothing sent to be stored");
}

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "api-secrets-test" });
  await ensureStreams(nc);
  store = new JetStreamEventStore(nc);
  secretStore = await startTestSecretStore(nc, store);
  watched = watchSecretStore(nc);
  api = await start({ nc, store, log: createLogger("api-secrets-test", "silent"), instanceId: "api-secrets-test" }, { listen: "127.0.0.1:0", insecureHttp: true });
  assert.equal((await call("POST", "/swarm/init", { NodeName: "n1" })).status, 200);
});
after(async () => {
  await api?.stop();
  watched?.stop();
  await secretStore?.cleanup();
  await nc?.drain();
  await nats?.cleanup();
});

describe("api: secrets and configs", () => {
  it("secret create, ls, inspect, rm: the payload is stored, the log holds metadata only, inspect never shows data", async () => {
    const head = await store.headSeq();
    const marker = randomBytes(16).toString("hex");
    const c = await call("POST", "/secrets/create", { Name: "db-pass", Labels: { env: "prod" }, Data: b64(marker) });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    const id: string = c.body.ID;
    assert.match(id, /^[0-9a-z]{25}$/);
    assert.deepEqual(await storedKeysOf(nc, id), [`secret.${id}.1`]);
    const events = (await eventsAfter(store, head)).map((e) => e.event as Envelope);
    assert.deepEqual(events.map((e) => e.type), ["SecretCreated"]);
    const data = events[0]!.data as Record<string, unknown>;
    assert.deepEqual({ ...data, hmac: undefined }, { secretId: id, name: "db-pass", labels: { env: "prod" }, version: 1, size: 32, hmac: undefined });
    assert.ok(!JSON.stringify(events).includes(marker) && !JSON.stringify(events).includes(b64(marker)), "no payload in the log");

    const ins = await call("GET", "/secrets/db-pass");
    assert.equal(ins.status, 200);
    assert.deepEqual(Object.keys(ins.body).sort(), ["CreatedAt", "ID", "Spec", "UpdatedAt", "Version", "Versions"]);
    assert.deepEqual(ins.body.Spec, { Name: "db-pass", Labels: { env: "prod" } });
    assert.deepEqual(ins.body.Versions.map((v: any) => [v.Version, v.Size]), [[1, 32]]);
    assert.equal(ins.body.Version.Index, head + 1);
    assert.equal((await call("GET", `/secrets/${id.slice(0, 6)}`)).body.ID, id);

    await call("POST", "/secrets/create", { Name: "db-user", Labels: {}, Data: b64("u") });
    const names = async (q = "") => (await call("GET", `/secrets${q}`)).body.map((s: any) => s.Spec.Name);
    assert.deepEqual(await names(), ["db-pass", "db-user"]);
    assert.deepEqual(await names(`?filters=${encodeURIComponent(JSON.stringify({ label: ["env=prod"] }))}`), ["db-pass"]);
    assert.deepEqual(await names(`?filters=${encodeURIComponent(JSON.stringify({ name: ["db-u"] }))}`), ["db-user"]);
    assert.equal((await call("GET", `/secrets?filters=${encodeURIComponent(JSON.stringify({ driver: ["x"] }))}`)).status, 400);

    const rm = await call("DELETE", `/secrets/${id}`);
    assert.equal(rm.status, 204);
    assert.deepEqual(await storedKeysOf(nc, id), [], "ciphertext deleted");
    assert.deepEqual(watched.calls.filter((c) => c.includes(id)), [`put secret ${id} 1`, `delete secret ${id}`]);
    assert.deepEqual(await names(), ["db-user"]);
    const gone = await call("GET", `/secrets/${id}`);
    assert.deepEqual([gone.status, gone.body.message], [404, `secret ${id} not found`]);
  });

  it("bad input is refused in Swarm's words, with nothing appended and nothing stored", async () => {
    const cases: [unknown, number, string][] = [
      [{ Name: "big", Data: b64(Buffer.alloc(512000, 1)) }, 400, "secret data must be larger than 0 and less than 512000 bytes"],
      [{ Name: "empty", Data: "" }, 400, "secret data must be larger than 0 and less than 512000 bytes"],
      [{ Name: "nodata" }, 400, "secret data must be larger than 0 and less than 512000 bytes"],
      [{ Name: "-bad", Data: b64("x") }, 400, "invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]"],
      [{ Name: "x".repeat(65), Data: b64("x") }, 400, "invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]"],
      [{ Name: "", Data: b64("x") }, 400, "name must be provided"],
      [{ Name: "db-user", Data: b64("x") }, 409, "rpc error: code = AlreadyExists desc = secret db-user already exists"],
      [{ Name: "notb64", Data: "***" }, 400, "Data: must be base64"],
      [{ Name: "drv", Data: b64("x"), Driver: { Name: "vault" } }, 400, "Driver: secret drivers are not supported"],
    ];
    for (const [body, status, message] of cases) {
      await nothingChanged(async () => {
        const r = await call("POST", "/secrets/create", body);
        assert.deepEqual([r.status, r.body.message], [status, message], JSON.stringify(body).slice(0, 80));
      });
    }
    await nothingChanged(async () => {
      const r = await call("POST", "/configs/create", { Name: "big", Data: b64(Buffer.alloc(1024000, 1)) });
      assert.deepEqual([r.status, r.body.message], [400, "config data must be larger than 0 and less than 1024000 bytes"]);
    });
  });

  it("concurrent creates of one name: one wins; a loser that got as far as appending removes its object and its payload", async () => {
    const keys = await storedKeys(nc);
    const head = await store.headSeq();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => call("POST", "/secrets/create", { Name: "race", Data: b64(`p${i}`) })));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409]);
    const winner: string = results.find((r) => r.status === 201)!.body.ID;
    // The first SecretCreated of the name is the winner's; any later one was removed again by its creator.
    const events = (await eventsAfter(store, head)).map((e) => [e.event.type, e.event.subject.split(".").pop()]);
    const created = events.filter(([t]) => t === "SecretCreated").map(([, id]) => id);
    assert.equal(created[0], winner);
    assert.deepEqual(events.filter(([t]) => t === "SecretRemoved").map(([, id]) => id).sort(), created.slice(1).sort());
    assert.deepEqual((await call("GET", `/secrets?filters=${encodeURIComponent(JSON.stringify({ names: ["race"] }))}`)).body.map((x: any) => x.ID), [winner]);
    assert.deepEqual((await storedKeys(nc)).filter((k) => !keys.includes(k)), [`secret.${winner}.1`]);
    assert.equal((await call("DELETE", "/secrets/race")).status, 204);
  });

  it("a config just under 1000 KiB goes through (1.33 MiB of base64) and inspect shows its data; more than 4 MiB of body is a 413", async () => {
    const payload = randomBytes(1024000 - 1);
    const c = await call("POST", "/configs/create", { Name: "nginx.conf", Labels: {}, Data: b64(payload) });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    const ins = await call("GET", "/configs/nginx.conf");
    assert.equal(ins.status, 200);
    assert.equal(ins.body.Spec.Data, b64(payload));
    assert.deepEqual(ins.body.Versions.map((v: any) => v.Size), [payload.length]);
    const ls = await call("GET", "/configs");
    assert.deepEqual(ls.body.map((x: any) => [x.Spec.Name, x.Spec.Data]), [["nginx.conf", undefined]]);
    await nothingChanged(async () => {
      const r = await call("POST", "/configs/create", { Name: "huge", Data: b64(Buffer.alloc(3.5 * 1024 * 1024)) });
      assert.equal(r.status, 413);
      assert.match(r.body.message, /request body larger than 4194304 bytes/);
    });
    assert.equal((await call("DELETE", `/configs/${c.body.ID}`)).status, 204);
    assert.deepEqual(await storedKeysOf(nc, c.body.ID), []);
  });

  it("rm is refused while a service references the secret, naming it; allowed once the service drops it", async () => {
    const { body: { ID: id } } = await call("POST", "/secrets/create", { Name: "api-key", Data: b64("k") });
    const web = await call("POST", "/services/create", svc("web", [ref(id, "api-key")]));
    assert.equal(web.status, 201, JSON.stringify(web.body));
    await nothingChanged(async () => {
      const r = await call("DELETE", "/secrets/api-key");
      assert.deepEqual([r.status, r.body.message], [400, "secret 'api-key' is in use by the following service: web"]);
    });
    assert.deepEqual(watched.calls.filter((c) => c === `delete secret ${id}`), [], "nothing deleted");
    const s = (await call("GET", "/services/web")).body;
    assert.equal((await call("POST", `/services/web/update?version=${s.Version.Index}`, svc("web", []))).status, 200);
    assert.equal((await call("DELETE", "/secrets/api-key")).status, 204);
    assert.deepEqual(await storedKeysOf(nc, id), []);
  });

  it("rotate records version 2, then moves unpinned services only (same spec, that reference's Version 2)", async () => {
    const { body: { ID: id } } = await call("POST", "/secrets/create", { Name: "tls-key", Data: b64("v1") });
    for (const [name, refs] of [["front", [ref(id, "tls-key")]], ["pinned", [ref(id, "tls-key", { Pinned: true })]], ["other", []]] as const) {
      assert.equal((await call("POST", "/services/create", svc(name, [...refs]))).status, 201);
    }
    const before = Object.fromEntries(await Promise.all(["front", "pinned", "other"].map(async (n) => [n, (await call("GET", `/services/${n}`)).body])));
    const head = await store.headSeq();
    const r = await call("POST", `/jetswarm/secrets/tls-key/rotate`, { Data: b64("version-2") });
    assert.deepEqual([r.status, r.body], [200, { ID: id, Version: 2, Services: [before.front.ID] }]);
    const events = (await eventsAfter(store, head)).map((e) => e.event as Envelope);
    assert.deepEqual(events.map((e) => [e.type, e.subject]), [["SecretRotated", `swarm.evt.secret.${id}`], ["ServiceUpdated", `swarm.evt.service.${before.front.ID}`]]);
    assert.deepEqual({ ...(events[0]!.data as object), hmac: undefined }, { secretId: id, version: 2, size: 9, hmac: undefined });
    const moved = (await call("GET", "/services/front")).body;
    const expected = structuredClone(before.front.Spec);
    expected.TaskTemplate.ContainerSpec.Secrets[0].Version = 2;
    assert.deepEqual(moved.Spec, expected);
    assert.deepEqual(moved.PreviousSpec, before.front.Spec, "the previous spec is kept: a failed update rolls back to version 1");
    assert.deepEqual((await call("GET", "/services/pinned")).body.Version, before.pinned.Version);
    assert.deepEqual(await storedKeysOf(nc, id), [`secret.${id}.1`, `secret.${id}.2`]);
    const ins = (await call("GET", "/secrets/tls-key")).body;
    assert.deepEqual(ins.Versions.map((v: any) => [v.Version, v.Size]), [[1, 2], [2, 9]]);

    await nothingChanged(async () => {
      const bad = await call("POST", `/jetswarm/secrets/tls-key/rotate`, { Data: "" });
      assert.deepEqual([bad.status, bad.body.message], [400, "secret data must be larger than 0 and less than 512000 bytes"]);
      const missing = await call("POST", `/jetswarm/secrets/nope/rotate`, { Data: b64("x") });
      assert.deepEqual([missing.status, missing.body.message], [404, "secret nope not found"]);
    });
  });

  it("rotate after a failed rotate that stored version 2 but never recorded it: the next version is used, nothing is stuck", async () => {
    const { body: { ID: id } } = await call("POST", "/secrets/create", { Name: "orphaned", Data: b64("v1") });
    // What a rotate leaves when its append fails after the secret-store stored its payload.
    await callBytes(nc, subjects.secretStorePut, SecretPutRpc, { meta: { kind: "secret", id, version: 2, name: "orphaned" }, data: Buffer.from("lost") });
    const r = await call("POST", "/jetswarm/secrets/orphaned/rotate", { Data: b64("new") });
    assert.deepEqual([r.status, r.body.Version], [200, 3], JSON.stringify(r.body));
    assert.deepEqual((await call("GET", "/secrets/orphaned")).body.Versions.map((v: any) => [v.Version, v.Size]), [[1, 2], [3, 3]]);
    // The lost rotate's payload sent again is a new version too: recorded versions only go up.
    const again = await call("POST", "/jetswarm/secrets/orphaned/rotate", { Data: b64("lost") });
    assert.deepEqual([again.status, again.body.Version], [200, 4]);
    assert.equal((await call("DELETE", "/secrets/orphaned")).status, 204);
    assert.deepEqual(await storedKeysOf(nc, id), []);
  });

  it("config rotate: inspect shows the new data; a config service moves", async () => {
    const { body: { ID: id } } = await call("POST", "/configs/create", { Name: "app.yml", Data: b64("a: 1") });
    const spec = { Name: "cfg-user", TaskTemplate: { ContainerSpec: { Image: "busybox:1", Configs: [{ ConfigID: id, ConfigName: "app.yml", Version: 1 }] } } };
    assert.equal((await call("POST", "/services/create", spec)).status, 201);
    const svcId = (await call("GET", "/services/cfg-user")).body.ID;
    assert.deepEqual((await call("POST", `/jetswarm/configs/${id}/rotate`, { Data: b64("a: 2") })).body, { ID: id, Version: 2, Services: [svcId] });
    assert.equal((await call("GET", "/configs/app.yml")).body.Spec.Data, b64("a: 2"));
    assert.equal((await call("GET", "/services/cfg-user")).body.Spec.TaskTemplate.ContainerSpec.Configs[0].Version, 2);
    const r = await call("DELETE", "/configs/app.yml");
    assert.deepEqual([r.status, r.body.message], [400, "config 'app.yml' is in use by the following service: cfg-user"]);
  });

  it("the secret-store unreachable: 503 naming it, nothing appended", async () => {
    await secretStore.stop();
    watched.stop(); // a watcher is a subscriber too: with it, the request would time out instead of finding no responders
    try {
      await nothingChanged(async () => {
        const r = await call("POST", "/secrets/create", { Name: "later", Data: b64("x") });
        assert.equal(r.status, 503);
        assert.match(r.body.message, /secret-store/);
      });
    } finally {
      await secretStore.restart();
      watched = watchSecretStore(nc);
    }
  });
});
