import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { caDigest, issueCert, splitCerts, verifyCert, type CertAndKey } from "../../services/shared/pki/index.js";
import { docker, IMAGE, joinAgent, startTestCluster, type JoinedAgent, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * `swarm ca --rotate` (DESIGN §6; swarmkit's root rotation): three nodes — the manager and two
 * joined workers, each with its own data dir — running a 3-replica service; a new root,
 * cross-signed by the old one; every node moves to a certificate of the new root over its own
 * renewal, its connection with it, no container restarts; then the old root leaves the trust
 * bundle and nats-server's CAs, the join tokens change, the old one is refused and the new one
 * joins. Real nats-server, real processes, real containers.
 */

let c: TestCluster;
const workers: JoinedAgent[] = [];
let sys: NatsConnection;
const scratch = mkdtempSync(join(tmpdir(), "jetswarm-carot-"));

before(async () => {
  c = await startTestCluster("carot");
  workers.push(await joinAgent(c, "carot-w1"), await joinAgent(c, "carot-w2"));
  const keys = join(c.dataDir, "keys");
  sys = await connectNats({ url: c.natsUrl, name: "carot-sys", tls: { cert: join(keys, "bus", "sys-secret-store.crt"), key: join(keys, "bus", "sys-secret-store.key"), ca: join(keys, "ca.crt") } });
});

after(async () => {
  await sys?.close();
  await c?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const nodeDirs = () => [c.dataDir, ...workers.map((w) => w.dataDir)];
const nodeCert = (dataDir: string) => readFileSync(join(dataDir, "node", "node.crt"), "utf8");
const sha256 = (pem: string) => createHash("sha256").update(new X509Certificate(pem).raw).digest("hex");

/** Each running container of the service, by id, with its start time. */
async function containers(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const list of [await c.containers({ service: "carot", running: true }), ...await Promise.all(workers.map((w) => w.containers({ service: "carot", running: true })))]) {
    for (const info of list) out.set(info.Id, (await docker.getContainer(info.Id).inspect()).State.StartedAt);
  }
  return out;
}

/** The certificate (sha256) a live connection named `name` presented, as the server reports it. */
async function serverView(name: string): Promise<string[]> {
  const msg = await sys.request("$SYS.REQ.SERVER.PING.CONNZ", JSON.stringify({ auth: true, limit: 1024 }), { timeout: 5000 });
  const conns = (msg.json() as { data?: { connections?: { name?: string; tls_peer_certs?: { cert_sha256?: string }[] }[] } }).data?.connections ?? [];
  return conns.filter((x) => x.name === name).map((x) => x.tls_peer_certs?.[0]?.cert_sha256 ?? "?");
}

/** Connects with `identity` (cert, key) trusting `caPem`; resolves to the error, or undefined when admitted. */
async function connectError(name: string, identity: CertAndKey, caPem: string): Promise<string | undefined> {
  const dir = mkdtempSync(join(scratch, `${name}-`));
  const files = { cert: join(dir, "c.crt"), key: join(dir, "c.key"), ca: join(dir, "ca.crt") };
  writeFileSync(files.cert, identity.certPem);
  writeFileSync(files.key, identity.keyPem);
  writeFileSync(files.ca, caPem);
  try {
    // Once, no retry (connectNats waits for ever on a refusal).
    const nc = await connect({ servers: c.natsUrl, name, tls: { certFile: files.cert, keyFile: files.key, caFile: files.ca }, reconnect: false, timeout: 5000 });
    await nc.flush();
    await nc.close();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

test("swarm ca --rotate: every node moves to the new root without a container restart; the old root and the old join token are refused", async () => {
  const keys = join(c.dataDir, "keys");
  const oldRoot: CertAndKey = { certPem: readFileSync(join(keys, "ca.crt"), "utf8"), keyPem: readFileSync(join(keys, "ca.key"), "utf8") };
  assert.equal((await c.swarm("ca")).trim(), oldRoot.certPem.trim(), "swarm ca prints the root in use");
  await c.swarm("service", "create", "--detach", "--name", "carot", "--replicas", "3", IMAGE, "sleep", "3600");
  const before = await eventually(async () => {
    const m = await containers();
    return m.size === 3 ? m : undefined;
  }, { timeoutMs: 90_000, what: "three running containers" }) as Map<string, string>;
  const oldToken = (await c.swarm("join-token", "-q", "worker")).trim();

  // The rotation, waited for as docker does (progress on stderr, the new root on stdout).
  const printed = (await c.swarm("ca", "--rotate")).trim();
  // Completed in the log; each manager's secret-store then drops the old root from its bundle (its next pass).
  const newRoot = await eventually(() => {
    const bundle = readFileSync(join(keys, "ca.crt"), "utf8");
    return splitCerts(bundle).length === 1 ? bundle : undefined;
  }, { timeoutMs: 10_000, what: "the old root gone from the trust bundle" }) as string;
  assert.equal(printed, newRoot.trim(), "the CLI prints the new root");
  assert.notEqual(caDigest(newRoot), caDigest(oldRoot.certPem));

  // Every node's certificate is of the new root, and its live connection presents it.
  for (const dir of nodeDirs()) assert.doesNotThrow(() => verifyCert(nodeCert(dir), [newRoot]), `${dir}: a certificate of the new root`);
  for (const [i, id] of [c.nodeId, ...workers.map((w) => w.nodeId)].entries()) {
    const expected = sha256(nodeCert(nodeDirs()[i]!));
    await eventually(async () => (await serverView(`agent-${id}`)).join() === expected, { timeoutMs: 15_000, what: `agent-${id} connected with its new certificate` });
  }
  // No task restarted: the same containers, started when they were.
  assert.deepEqual(await containers(), before);

  // nats-server trusts the new root only: an identity of the old root is refused, one of the new admitted.
  const oldAdmin = await issueCert({ ca: oldRoot, commonName: "admin", days: 1 });
  const refused = await eventually(async () => connectError("carot-old", oldAdmin, oldRoot.certPem), { timeoutMs: 15_000, what: "an old-root identity refused" });
  assert.ok(refused, "refused");
  const newAdmin = { certPem: readFileSync(join(keys, "bus", "admin.crt"), "utf8"), keyPem: readFileSync(join(keys, "bus", "admin.key"), "utf8") };
  assert.equal(await connectError("carot-new", newAdmin, newRoot), undefined, "a new-root identity is admitted");

  // The join tokens carry the new root's digest; the old one joins nothing; the new one joins.
  const newToken = (await c.swarm("join-token", "-q", "worker")).trim();
  assert.notEqual(newToken, oldToken);
  assert.ok(newToken.startsWith(`SWMTKN-1-${caDigest(newRoot)}-`), newToken);
  const res = await c.api("/jetswarm/join", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ JoinToken: oldToken, NodeName: "carot-stale" }),
  });
  const body = await res.text();
  assert.equal(res.status, 400, body);
  assert.match(body, /join token/i);
  const late = await joinAgent(c, "carot-w3");
  assert.doesNotThrow(() => verifyCert(nodeCert(late.dataDir), [newRoot]));
  const view = await c.get<{ RootRotationInProgress: boolean; CADigest: string }>("/jetswarm/ca/rotation");
  assert.deepEqual([view.RootRotationInProgress, view.CADigest], [false, caDigest(newRoot)]);
});
