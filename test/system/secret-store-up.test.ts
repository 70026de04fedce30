import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { ConfigReadRpc, SecretPutRpc, subjects } from "../../schemas/index.js";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { callBytes } from "../../services/shared/rpc/index.js";
import { startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * `swarm up` runs the secret-store like every control-plane service: with the manager's key
 * directory, listed by `control-plane ls`, scaled by `control-plane scale`, and answering on the bus.
 */
let c: TestCluster;
let nc: NatsConnection;
interface Member { Service: string; Instance: string; Role: string }
const members = async () => (await c.get<Member[]>("/jetswarm/control-plane")).filter((m) => m.Service === "secret-store");

before(async () => {
  c = await startTestCluster("secretstore");
  nc = await connectNats({ url: c.natsUrl, name: "secret-store-up-test" });
});
after(async () => {
  await nc?.close();
  await c?.cleanup();
});

describe("the secret-store under swarm up", () => {
  it("runs with the KEK in <dataDir>/keys (dir 0700, file 0600) and is listed as a control-plane member", async () => {
    const listed = await eventually(async () => ((await members()).length === 1 ? members() : undefined), { what: "one secret-store member", timeoutMs: 60_000 });
    assert.equal(listed![0]!.Role, "all");
    const keys = join(c.dataDir, "keys");
    assert.equal(statSync(keys).mode & 0o777, 0o700);
    assert.equal(statSync(join(keys, "kek")).mode & 0o777, 0o600);
  });

  it("answers a put and a read on the bus", async () => {
    const data = Buffer.from("worker_processes 1;");
    const put = await callBytes(nc, subjects.secretStorePut, SecretPutRpc, { meta: { kind: "config", id: "cfgup", version: 1, name: "nginx" }, data });
    assert.equal(put.meta.size, data.length);
    const read = await callBytes(nc, subjects.secretStoreRead, ConfigReadRpc, { meta: { id: "cfgup", version: 1 }, data: new Uint8Array(0) });
    assert.ok(Buffer.from(read.data).equals(data));
  });

  it("control-plane scale secret-store=2 runs two instances, both sharing the one KEK", async () => {
    const out = await c.swarm("control-plane", "scale", "secret-store=2");
    assert.match(out, /^verify: secret-store 2\/2 instances running$/m);
    assert.equal((await members()).length, 2);
    // Whichever instance answers, the payload the first one stored opens.
    for (let i = 0; i < 6; i++) {
      const read = await callBytes(nc, subjects.secretStoreRead, ConfigReadRpc, { meta: { id: "cfgup", version: 1 }, data: new Uint8Array(0) });
      assert.equal(read.meta.size, 19);
    }
  });
});
