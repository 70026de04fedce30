import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { caDigest, createKeyAndCsr, createRootCa, deriveJoinToken, verifyCert } from "../../services/shared/pki/index.js";
import { joinCluster } from "../../deploy/launcher/join.js";
import { testNats } from "../helpers/nats.js";
import { serveTestCa } from "../helpers/cluster-keys.js";

/*
 * Joining with a CSR against a real nats-server, the api and the secret-store's CA handlers: the
 * node's certificate names its id, role and cluster and verifies against the CA; the joiner pins
 * the CA by its token's digest; a rotated token is refused with Swarm's words, the new one joins.
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let api: RunningApi;
let testCa: Awaited<ReturnType<typeof serveTestCa>>;
const dirs: string[] = [];

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(api.url + path, {
    method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const nodeCount = async () => (await call("GET", "/nodes")).body.length as number;
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), "jetswarm-join-pki-")); dirs.push(d); return d; };

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "join-pki-test" });
  await ensureStreams(nc);
  const store = new JetStreamEventStore(nc);
  testCa = await serveTestCa(nc, store);
  api = await start({ nc, store, log: createLogger("join-pki-test", "silent"), instanceId: "api-join-pki" }, { listen: "127.0.0.1:0", insecureHttp: true });
});
after(async () => {
  await api?.stop();
  await testCa?.stop();
  await nc?.drain();
  await nats?.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("join with a CSR", () => {
  it("--cert-expiry below an hour is refused with Swarm's words, and nothing is appended", async () => {
    const r = await call("POST", "/swarm/init", { NodeName: "m0", NodeCertExpiryMs: 60_000 });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /minimum certificate expiry time is: 1h0m0s/);
    assert.equal((await call("GET", "/swarm")).status, 503, "no cluster");
  });

  let clusterId: string;
  let tokens: { Worker: string; Manager: string };

  it("init with a CSR: the first manager's certificate (CN id, OU swarm-manager, O cluster) verifies against the CA", async () => {
    const { csrPem } = await createKeyAndCsr();
    const init = await call("POST", "/swarm/init", { NodeName: "m1", Csr: csrPem, NodeCertExpiryMs: 48 * 3600_000 });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    clusterId = init.body.ClusterID;
    assert.equal(init.body.CACert, testCa.ca.certPem);
    const id = verifyCert(init.body.Certificate, [testCa.ca.certPem]);
    assert.deepEqual([id.commonName, id.ou, id.o], [init.body.NodeID, "swarm-manager", clusterId]);
    const hours = (id.notAfter.getTime() - Date.now()) / 3600_000;
    assert.ok(hours > 47.9 && hours <= 48, `valid for the cluster's --cert-expiry (48 h), got ${hours} h`);
    tokens = (await call("GET", "/swarm")).body.JoinTokens;
    const digest = caDigest(testCa.ca.certPem);
    assert.equal(tokens.Worker.slice(9, 59), digest, "the tokens carry the CA's digest");
    assert.equal(tokens.Worker, deriveJoinToken(testCa.ca, "worker", 1));
    assert.deepEqual((await call("GET", "/jetswarm/ca")).body, { CACert: testCa.ca.certPem, CADigest: digest });
  });

  it("swarm join: pins the CA by the token, keeps node.key (0600), node.crt and ca.crt; the certificate is the node's", async () => {
    const dataDir = tempDir();
    const node = await joinCluster({ manager: api.url, token: tokens.Worker, nodeName: "w1", dataDir, natsUrl: nats.url });
    await node.stop();
    assert.equal(node.role, "worker");
    const dir = join(dataDir, "node");
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of ["node.key", "node.crt", "ca.crt"]) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
    const id = verifyCert(readFileSync(join(dir, "node.crt"), "utf8"), [testCa.ca.certPem]);
    assert.deepEqual([id.commonName, id.ou, id.o], [node.nodeId, "swarm-worker", clusterId]);
    assert.equal(readFileSync(join(dir, "ca.crt"), "utf8"), testCa.ca.certPem);
  });

  it("a token whose digest is not the manager's CA aborts the join before anything is sent", async () => {
    const other = await createRootCa();
    const forged = deriveJoinToken(other, "worker", 1);
    const before = await nodeCount();
    const dataDir = tempDir();
    await assert.rejects(joinCluster({ manager: api.url, token: forged, nodeName: "x", dataDir, natsUrl: nats.url }),
      /presented a CA certificate whose digest .* is not the join token's .*refusing to join/);
    assert.equal(await nodeCount(), before, "no node joined");
    assert.equal(existsSync(join(dataDir, "node.json")), false);
    assert.equal(existsSync(join(dataDir, "node")), false, "no key kept");
  });

  it("a join with a CSR that is not one (or not signed by its key) is refused and appends nothing", async () => {
    const before = await nodeCount();
    const bad = await call("POST", "/jetswarm/join", { JoinToken: tokens.Worker, NodeName: "bad", Csr: "not a csr" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /CSR: malformed/);
    assert.equal(await nodeCount(), before);
  });

  it("a rotated token: the old one is refused with Swarm's words, the new one joins, joined nodes stay", async () => {
    const joined = await nodeCount();
    const r = await call("POST", "/swarm/update?rotateWorkerToken=true", {});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const now = (await call("GET", "/swarm")).body.JoinTokens;
    assert.notEqual(now.Worker, tokens.Worker);
    assert.equal(now.Manager, tokens.Manager, "the manager token is not rotated");
    assert.equal(now.Worker, deriveJoinToken(testCa.ca, "worker", 2));
    const old = await call("POST", "/jetswarm/join", { JoinToken: tokens.Worker, NodeName: "late" });
    assert.equal(old.status, 400);
    assert.equal(old.body.message, "A valid join token is necessary to join this cluster");
    const { csrPem } = await createKeyAndCsr();
    const fresh = await call("POST", "/jetswarm/join", { JoinToken: now.Worker, NodeName: "w2", Csr: csrPem });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    assert.equal(verifyCert(fresh.body.Certificate, [testCa.ca.certPem]).ou, "swarm-worker");
    assert.equal(await nodeCount(), joined + 1);
    const m = await call("POST", "/jetswarm/join", { JoinToken: now.Manager, NodeName: "m2", Csr: (await createKeyAndCsr()).csrPem });
    assert.equal(verifyCert(m.body.Certificate, [testCa.ca.certPem]).ou, "swarm-manager");
  });
});
