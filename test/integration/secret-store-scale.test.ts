import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliveredFiles, SecretDeliverRpc, SecretPutRpc, subjects } from "../../schemas/index.js";
import { SwarmError } from "../../services/shared/errors/index.js";
import { callBytes } from "../../services/shared/rpc/index.js";
import { newSealKey } from "../../services/shared/seal/index.js";
import { logFixture, type LogFixture } from "../helpers/log-fixture.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";

/*
 * Several secret-store processes side by side (stateless besides the KV and the shared KEK file):
 * both answer deliveries (queue group), and kill -9 of one while deliveries run loses none — a
 * caller retries `unavailable` (a request the dead process took times out) and the other answers.
 */

let fx: LogFixture;
let keysDir: string;
const procs: ServiceProcess[] = [];
const TASKS = 60;
const payload = Buffer.from("replicated-secret");

function spawn(id: string): ServiceProcess {
  const p = spawnService("secret-store", id, { SWARM_NATS_URL: fx.nats.url, SWARM_KEYS_DIR: keysDir, SWARM_SNAPSHOTS: "off", SWARM_LOG_LEVEL: "info" });
  procs.push(p);
  return p;
}
const started = (p: ServiceProcess) => p.waitForLog((r) => r.msg === "secret-store started");
const deliveredBy = (p: ServiceProcess) => p.records.filter((x) => x.rec.msg === "delivered").length;

/** One delivery as an agent asks for it: retried while the answer is `unavailable`. */
async function deliver(taskId: string): Promise<Buffer> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const key = newSealKey();
    try {
      const out = await callBytes(fx.nc, subjects.secretsOfNode("node-a"), SecretDeliverRpc, { meta: { taskId, publicKey: key.publicKey }, data: new Uint8Array(0) }, { timeoutMs: 2000 });
      const files = DeliveredFiles.parse(JSON.parse(key.open(out.data, taskId).toString()));
      return Buffer.from(files.files[0]!.data, "base64");
    } catch (err) {
      if (!(err instanceof SwarmError && err.code === "unavailable") || Date.now() > deadline) throw err;
    }
  }
}

before(async () => {
  fx = await logFixture("secret-store-scale");
  keysDir = join(mkdtempSync(join(tmpdir(), "jetswarm-keys-")), "keys");
  // Both at once on an empty bucket: exactly one key file is written and both use it.
  await Promise.all([started(spawn("secret-store-a")), started(spawn("secret-store-b"))]);
  const { meta } = await callBytes(fx.nc, subjects.secretStorePut, SecretPutRpc, { meta: { kind: "secret", id: "s1", version: 1, name: "s1" }, data: payload });
  await fx.emit("SecretCreated", "secret", "s1", { secretId: "s1", name: "s1", labels: {}, version: 1, size: meta.size, hmac: meta.hmac });
  for (let i = 0; i < TASKS; i++) {
    const taskId = `t${i}`;
    await fx.emit("TaskCreated", "task", taskId, {
      taskId, serviceId: "svc", serviceName: "web", slot: i + 1, specVersion: 1, desiredState: "running", state: "pending",
      spec: { ContainerSpec: { Image: "img", Secrets: [{ SecretID: "s1", SecretName: "s1", Version: 1 }] } },
    });
    await fx.emit("TaskAssigned", "task", taskId, { taskId, nodeId: "node-a" });
  }
});
after(async () => {
  for (const p of procs) await p.kill();
  await fx?.stop();
  rmSync(join(keysDir, ".."), { recursive: true, force: true });
});

describe("two secret-store processes", () => {
  it("share the deliveries (one queue group, one KEK)", async () => {
    for (let i = 0; i < 20; i++) assert.ok((await deliver(`t${i}`)).equals(payload));
    assert.ok(deliveredBy(procs[0]!) > 0 && deliveredBy(procs[1]!) > 0, `both answered (${deliveredBy(procs[0]!)} + ${deliveredBy(procs[1]!)})`);
  });

  it("answer every delivery when one is killed -9 while they run", async () => {
    const [a, b] = procs as [ServiceProcess, ServiceProcess];
    const before = deliveredBy(b);
    let done = 0;
    const all = Array.from({ length: TASKS }, (_, i) => deliver(`t${i}`).then((data) => { done++; return data; }));
    while (done < 5) await new Promise((r) => setTimeout(r, 5));
    await a.kill("SIGKILL");
    const results = await Promise.all(all);
    assert.equal(results.length, TASKS);
    for (const r of results) assert.ok(r.equals(payload));
    assert.ok(deliveredBy(b) > before, "the survivor answered after the kill");
    // And it keeps answering alone.
    assert.ok((await deliver("t0")).equals(payload));
  });
});
