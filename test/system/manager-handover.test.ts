import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Node } from "../../schemas/api.js";
import { ConfigReadRpc, KeyHandover, KeyHandoverRpc, SecretPutRpc, subjects } from "../../schemas/index.js";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { call, callBytes } from "../../services/shared/rpc/index.js";
import { newSealKey } from "../../services/shared/seal/index.js";
import { requestApi } from "../../cli/http-request.js";
import { joinAgent, startTestCluster, type JoinedAgent, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * A manager that joins receives the cluster's keys (DESIGN §6): sealed to its ephemeral key in the
 * join answer, written to its `<dataDir>/keys/` before its control plane starts. Its secret-store
 * then opens what the first one stored, signs joining nodes' certificates and admits them on the
 * bus — with the first manager's secret-store stopped. A worker never gets keys, and the keys in
 * plain text appear nowhere in the log's store or the processes' logs.
 */
let c: TestCluster;
let m2: JoinedAgent;
let nc: NatsConnection;
let w1: JoinedAgent;
const KEY_FILES = ["kek", "ca.key", "ca.crt", join("bus", "callout.key")];

before(async () => {
  c = await startTestCluster("handover");
  nc = await connectNats({ url: c.natsUrl, name: "handover-test", tls: c.natsTls });
  m2 = await joinAgent(c, "m2", "manager");
});
after(async () => {
  await nc?.close();
  await c?.cleanup();
});

const read = (id: string) => callBytes(nc, subjects.secretStoreRead, ConfigReadRpc, { meta: { id, version: 1 }, data: new Uint8Array(0) });

function join2(token: string, name: string, publicKey: string): Promise<Response> {
  return requestApi(c.apiUrl, "/jetswarm/join", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ JoinToken: token, NodeName: name, KeysPublicKey: publicKey }),
  }, { ca: readFileSync(join(c.dataDir, "keys", "ca.crt"), "utf8") });
}

/** Every file below `dir`, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

describe("the keys' handover to a joining manager", () => {
  it("writes the first manager's KEK, CA and callout key into the joined manager's keys dir (0600, dir 0700)", () => {
    const keys = join(m2.dataDir, "keys");
    assert.equal(statSync(keys).mode & 0o777, 0o700);
    for (const f of KEY_FILES) {
      assert.ok(readFileSync(join(keys, f)).equals(readFileSync(join(c.dataDir, "keys", f))), `${f} is the cluster's`);
      assert.equal(statSync(join(keys, f)).mode & 0o777, 0o600, `${f} is 0600`);
    }
  });

  it("the joined manager's api also listens on HTTPS with a certificate from the handed-over CA", async () => {
    assert.ok(m2.apiTcpUrl?.startsWith("https://127.0.0.1:"), `apiTcpUrl ${m2.apiTcpUrl}`);
    const ca = readFileSync(join(c.dataDir, "keys", "ca.crt"), "utf8");
    const res = await eventually(async () => {
      const r = await requestApi(m2.apiTcpUrl!, "/jetswarm/ca", { method: "GET" }, { ca }).catch(() => undefined);
      return r?.ok ? r : undefined;
    }, { what: "m2's HTTPS api answering", timeoutMs: 60_000 });
    assert.equal(((await res!.json()) as { CACert: string }).CACert, ca);
  });

  it("the joined manager's secret-store serves alone: opens what the first stored, signs a worker's join, admits it on the bus", async () => {
    const data = Buffer.from("listen 8080;");
    await callBytes(nc, subjects.secretStorePut, SecretPutRpc, { meta: { kind: "config", id: "handcfg", version: 1, name: "app" }, data });
    await eventually(async () => (await c.get<{ Service: string }[]>("/jetswarm/control-plane")).filter((m) => m.Service === "secret-store").length === 2,
      { what: "two secret-store members", timeoutMs: 60_000 });
    await c.supervisor.stop(["secret-store"]);
    for (let i = 0; i < 4; i++) assert.ok(Buffer.from((await read("handcfg")).data).equals(data), "the payload opens with the handed-over KEK");
    w1 = await joinAgent(c, "w1");
    assert.equal(w1.role, "worker");
    assert.equal(existsSync(join(w1.dataDir, "keys", "kek")), false, "a worker writes no keys");
    // The worker's agent reaches the bus only through the auth callout, now answered by m2's secret-store.
    await eventually(async () => (await c.get<Node[]>("/nodes")).find((n) => n.ID === w1.nodeId)?.Status.State === "ready",
      { what: "the worker ready", timeoutMs: 60_000 });
  });

  it("a worker token's join gets no keys; a manager's answer opens only with its key and node id", async () => {
    const info = await c.get<{ JoinTokens: { Worker: string; Manager: string } }>("/swarm");
    const worker = await join2(info.JoinTokens.Worker, "wk", newSealKey().publicKey);
    assert.equal(worker.status, 200);
    const wb = (await worker.json()) as { Role: string; Keys?: string };
    assert.equal(wb.Role, "worker");
    assert.equal(wb.Keys, undefined);

    const key = newSealKey();
    const res = await join2(info.JoinTokens.Manager, "mk", key.publicKey);
    const body = (await res.json()) as { NodeID: string; Role: string; Keys?: string };
    assert.equal(body.Role, "manager");
    const sealed = Buffer.from(body.Keys ?? "", "base64");
    assert.throws(() => key.open(sealed, "another-node"));
    assert.throws(() => newSealKey().open(sealed, body.NodeID));
    const keys = KeyHandover.parse(JSON.parse(key.open(sealed, body.NodeID).toString("utf8")));
    assert.ok(Buffer.from(keys.kek, "base64").equals(readFileSync(join(c.dataDir, "keys", "kek"))));
  });

  it("the secret-store itself refuses a handover to a worker or an unknown node, whoever asks", async () => {
    const ask = (nodeId: string) => call(nc, subjects.secretStoreHandover, KeyHandoverRpc, { nodeId, publicKey: newSealKey().publicKey, seq: 0 });
    await assert.rejects(ask(w1.nodeId), (err: Error & { code?: string }) => err.code === "permission_denied" && /only a manager/.test(err.message));
    await assert.rejects(ask("nosuchnode"), (err: Error & { code?: string }) => err.code === "not_found");
    assert.ok((await ask(m2.nodeId)).sealed.length > 0);
  });

  it("no key in plain text in the log's store or any process log", () => {
    const keys = join(c.dataDir, "keys");
    const kek = readFileSync(join(keys, "kek"));
    const pemBody = (f: string) => readFileSync(join(keys, f), "utf8").split("\n").filter((l) => l && !l.startsWith("-----")).join("");
    const needles = [kek, Buffer.from(kek.toString("hex")), Buffer.from(kek.toString("base64")),
      Buffer.from(pemBody("ca.key").slice(0, 40)), Buffer.from(pemBody(join("bus", "callout.key")).slice(0, 40))];
    const files = [...filesUnder(join(c.dataDir, "nats")), ...filesUnder(join(c.dataDir, "logs")), ...filesUnder(join(m2.dataDir, "logs"))];
    assert.ok(files.length > 0);
    for (const f of files) {
      const content = readFileSync(f);
      for (const n of needles) assert.equal(content.includes(n), false, `${f} holds a key in plain text`);
    }
  });
});
