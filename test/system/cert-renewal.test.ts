import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RenewCertRpc, subjects } from "../../schemas/index.js";
import { nodeInbox } from "../../schemas/bus-permissions.js";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { createKeyAndCsr } from "../../services/shared/pki/index.js";
import { call } from "../../services/shared/rpc/index.js";
import { docker, IMAGE, joinAgent, startTestCluster, type JoinedAgent, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Node certificates renew themselves (DESIGN §6): with a validity of seconds (a floor only a test
 * may lower, `SWARM_TEST_CERT_EXPIRY_FLOOR_MS` on the api), each node's agent renews before expiry
 * over its own subject, its live connection moves onto the new certificate (the server says which
 * one it holds), and its containers run on untouched. Real processes, real containers.
 */

const SHORT_MS = 20_000;
/** The agents' registration refresh in this file (`SWARM_TEST_AGENT_REFRESH_MS`; 20 s by default): it carries the expiry change. */
const REFRESH_MS = 2_000;
let c: TestCluster;
let w: JoinedAgent;
let sys: NatsConnection;

before(async () => {
  process.env.SWARM_TEST_CERT_EXPIRY_FLOOR_MS = "10000";
  process.env.SWARM_TEST_AGENT_REFRESH_MS = String(REFRESH_MS);
  c = await startTestCluster("renew");
  w = await joinAgent(c, "renew-w1");
  const bus = join(c.dataDir, "keys", "bus");
  // The system account's view of every connection (connz), as the secret-store's kicker sees it.
  sys = await connectNats({ url: c.natsUrl, name: "renew-sys", tls: { cert: join(bus, "sys-secret-store.crt"), key: join(bus, "sys-secret-store.key"), ca: join(c.dataDir, "keys", "ca.crt") } });
});

after(async () => {
  delete process.env.SWARM_TEST_CERT_EXPIRY_FLOOR_MS;
  delete process.env.SWARM_TEST_AGENT_REFRESH_MS;
  await sys?.close();
  await c?.cleanup();
});

/** The worker's certificate on disk: its sha256 (of the DER), serial and life. */
function certOnDisk(dataDir: string): { sha256: string; serial: string; lifeMs: number; notAfter: number } {
  const cert = new X509Certificate(readFileSync(join(dataDir, "node", "node.crt")));
  const notAfter = Date.parse(cert.validTo);
  return { sha256: createHash("sha256").update(cert.raw).digest("hex"), serial: cert.serialNumber, lifeMs: notAfter - Date.parse(cert.validFrom) - 3600_000, notAfter };
}

interface ConnInfo { name?: string; authorized_user?: string; tls_peer_certs?: { cert_sha256?: string }[] }

/** The certificate (sha256) each live connection of `name` presented, as the server reports it. */
async function serverView(name: string): Promise<string[]> {
  const msg = await sys.request("$SYS.REQ.SERVER.PING.CONNZ", JSON.stringify({ auth: true, limit: 1024 }), { timeout: 5000 });
  const conns = (msg.json() as { data?: { connections?: ConnInfo[] } }).data?.connections ?? [];
  return conns.filter((x) => x.name === name).map((x) => x.tls_peer_certs?.[0]?.cert_sha256 ?? "?");
}

async function containersState(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const info of [...await c.containers({ service: "renew" }), ...await w.containers({ service: "renew" })]) {
    out.set(info.Id, (await docker.getContainer(info.Id).inspect()).State.StartedAt);
  }
  return out;
}

interface TaskLite { ID: string; NodeID?: string; Status: { State: string } }

test("certificates of seconds renew before expiry; the connection moves onto each; containers and tasks never stop", async (t) => {
  await c.swarm("service", "create", "--detach", "--name", "renew", "--mode", "global", IMAGE, "sleep", "3600");
  await eventually(async () => ((await containersState()).size === 2 ? true : undefined), { timeoutMs: 60_000, what: "one running container per node" });
  const tasksBefore = await eventually(async () => {
    const ts = await c.get<TaskLite[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: ["renew"] }))}`);
    return ts.length === 2 && ts.every((t) => t.Status.State === "running") ? ts : undefined;
  }, { timeoutMs: 60_000, what: "both tasks running" }) as TaskLite[];
  const started = await containersState();
  const first = certOnDisk(w.dataDir);
  assert.deepEqual(await serverView(`agent-${w.nodeId}`), [first.sha256], "the worker's connection holds its join certificate");

  const changedAt = Date.now();
  const res = await c.api("/swarm/update", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ NodeCertExpiryMs: SHORT_MS }) });
  assert.equal(res.status, 200, await res.text());

  // The changed expiry reaches the agent with its next registration refresh (REFRESH_MS): it renews at once.
  const short = await eventually(() => {
    const now = certOnDisk(w.dataDir);
    return now.sha256 !== first.sha256 && Math.abs(now.lifeMs - SHORT_MS) < 5000 ? now : undefined;
  }, { timeoutMs: 60_000, intervalMs: 250, what: `a certificate of ${SHORT_MS / 1000} s in the worker's identity dir` }) as ReturnType<typeof certOnDisk>;
  await eventually(async () => (await serverView(`agent-${w.nodeId}`)).join() === short.sha256, { timeoutMs: 10_000, what: `the connection on the ${SHORT_MS / 1000} s certificate` });

  // Then by time alone, between 50 % and 80 % of its life, and again: the node outlives its first short certificate.
  t.diagnostic(`expiry changed → renewed onto it in ${Date.now() - changedAt} ms`);
  let latest: ReturnType<typeof certOnDisk> = short;
  const loopAt = Date.now();
  let renewals = 0;
  while (Date.now() < short.notAfter + 2_000) {
    latest = await eventually(() => {
      const now = certOnDisk(w.dataDir);
      return now.sha256 !== latest.sha256 ? now : undefined;
    }, { timeoutMs: SHORT_MS, intervalMs: 250, what: "a renewal before the certificate expires" }) as ReturnType<typeof certOnDisk>;
    assert.ok(Date.now() < latest.notAfter, "renewed before expiry");
    const expected = latest.sha256;
    await eventually(async () => (await serverView(`agent-${w.nodeId}`)).join() === expected, { timeoutMs: 10_000, what: "the connection on the renewed certificate" });
    renewals++;
  }
  t.diagnostic(`${renewals} renewals by time in ${Date.now() - loopAt} ms`);

  // Same containers, never restarted; the same two tasks, still running.
  assert.deepEqual(await containersState(), started);
  const tasksAfter = await c.get<TaskLite[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: ["renew"] }))}`);
  assert.deepEqual(tasksAfter.map((t) => [t.ID, t.Status.State]).sort(), tasksBefore.map((t) => [t.ID, "running"]).sort());
  const node = await c.get<{ Status: { State: string }; Certificate?: { Serial: string; NotAfter: string } }>(`/nodes/${w.nodeId}`);
  assert.equal(node.Status.State, "ready");
  assert.ok(node.Certificate, "node inspect shows the certificate");
});

test("swarm update --cert-expiry 2h: the nodes renew onto the new validity", async () => {
  await c.swarm("update", "--cert-expiry", "2h");
  for (const dir of [w.dataDir, c.dataDir]) {
    await eventually(() => Math.abs(certOnDisk(dir).lifeMs - 2 * 3600_000) < 5000, { timeoutMs: 60_000, intervalMs: 250, what: `a 2 h certificate in ${dir}` });
  }
  const pretty = await c.swarm("node", "inspect", "--pretty", w.nodeId);
  assert.match(pretty, /TLS Info:\n TrustRoot:\n-----BEGIN CERTIFICATE-----/);
  assert.ok(pretty.includes(` Certificate Expiry:\t${new Date(certOnDisk(w.dataDir).notAfter).toISOString()}`), pretty);
});

test("a node asking to renew another node's certificate is refused, on its own subject and on the other's", async () => {
  const own = join(w.dataDir, "node");
  const nc = await connectNats({
    url: c.natsUrl, name: "renew-impostor", inboxPrefix: nodeInbox(w.nodeId),
    tls: { cert: join(own, "node.crt"), key: join(own, "node.key"), ca: join(own, "ca.crt") },
  });
  try {
    const { csrPem } = await createKeyAndCsr();
    await assert.rejects(call(nc, subjects.certRenewOf(w.nodeId), RenewCertRpc, { nodeId: c.nodeId, csr: csrPem }),
      (err: Error & { code?: string }) => err.code === "permission_denied" && err.message.includes(`node ${w.nodeId} cannot renew the certificate of node ${c.nodeId}`));
    const errors: string[] = [];
    void (async () => { for await (const s of nc.status()) if (s.type === "error") errors.push(s.error.message); })();
    await assert.rejects(call(nc, subjects.certRenewOf(c.nodeId), RenewCertRpc, { nodeId: c.nodeId, csr: csrPem }, { timeoutMs: 2000 }));
    await eventually(() => errors.some((m) => /permissions violation for publish/i.test(m)), { timeoutMs: 30_000, what: "the server's refusal" });
  } finally {
    await nc.close();
  }
});

test("swarm node promote: the node's certificate of its former role is replaced by one for its new role; containers untouched", async () => {
  const started = await containersState();
  await c.swarm("node", "promote", w.nodeId);
  // Its connection is closed and its worker certificate refused; the agent renews over a renewal-only login.
  await eventually(() => new X509Certificate(readFileSync(join(w.dataDir, "node", "node.crt"))).subject.includes("OU=swarm-manager"), {
    timeoutMs: 60_000, intervalMs: 250, what: "a manager certificate in the promoted node's identity dir",
  });
  const expected = certOnDisk(w.dataDir).sha256;
  await eventually(async () => (await serverView(`agent-${w.nodeId}`)).join() === expected, { timeoutMs: 30_000, what: "the agent back on the bus with it" });
  await eventually(async () => (await c.get<{ Status: { State: string } }>(`/nodes/${w.nodeId}`)).Status.State === "ready", { timeoutMs: 30_000, what: "the node ready" });
  assert.deepEqual(await containersState(), started);
});
