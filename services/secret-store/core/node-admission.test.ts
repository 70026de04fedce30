import { test } from "node:test";
import assert from "node:assert/strict";
import { admitNode, MAX_GRANT_MS, type CertFacts, type ClusterFacts } from "./node-admission.js";

const now = new Date("2026-12-01T00:00:00Z");
const roleOu = { worker: "swarm-worker", manager: "swarm-manager" } as const;
const cert = (over: Partial<CertFacts> = {}): CertFacts => ({ commonName: "n1", ou: "swarm-worker", o: "c1", notAfter: new Date("2027-01-01T00:00:00Z"), ...over });
const cluster = (over: Partial<ClusterFacts> = {}): ClusterFacts => ({ clusterId: "c1", node: { id: "n1", role: "worker" }, roleOu, ...over });

test("a node of this swarm with its role's certificate is admitted for at most an hour, with its own subjects only", () => {
  const a = admitNode(cert(), cluster(), now);
  assert.ok(a.ok);
  assert.equal(a.expiresAt.getTime(), now.getTime() + MAX_GRANT_MS);
  assert.ok(a.permissions.publish.allow?.includes("swarm.node.n1.status"));
  assert.ok(a.permissions.publish.allow?.every((s) => !s.includes("n2")));
  // Its replies, the logs and containers rpcs it serves (answered once per request: allow_responses), the networks' announcements.
  assert.deepEqual(a.permissions.subscribe.allow, ["_INBOX_n1.>", "swarm.rpc.logs.n1", "swarm.rpc.containers.n1", "swarm.netmapchg.*"]);
  assert.equal(a.permissions.allowResponses, true);
});

test("a certificate expiring within the hour bounds the grant", () => {
  const soon = new Date(now.getTime() + 60_000);
  const a = admitNode(cert({ notAfter: soon }), cluster(), now);
  assert.ok(a.ok);
  assert.equal(a.expiresAt.getTime(), soon.getTime());
});

test("refusals name why", () => {
  const cases: [string, CertFacts, ClusterFacts, RegExp][] = [
    ["not initialised", cert(), cluster({ clusterId: undefined }), /not initialised/],
    ["another cluster", cert({ o: "c2" }), cluster(), /cluster c2/],
    ["removed node", cert(), cluster({ node: undefined }), /n1 is not part of this swarm/],
    ["demoted manager", cert({ ou: "swarm-manager" }), cluster(), /is a worker now; its certificate says swarm-manager/],
    ["expired", cert({ notAfter: new Date(now.getTime() - 1) }), cluster(), /expired/],
  ];
  for (const [what, c, cl, re] of cases) {
    const a = admitNode(c, cl, now);
    assert.equal(a.ok, false, what);
    if (!a.ok) assert.match(a.reason, re, what);
  }
});

test("a renewal-only login: a certificate of the former role may ask for its renewal and nothing else, briefly", () => {
  const a = admitNode(cert({ ou: "swarm-manager", renewalOnly: true }), cluster(), now);
  assert.ok(a.ok);
  assert.equal(a.renewalOnly, true);
  assert.deepEqual(a.permissions, { publish: { allow: ["swarm.rpc.certs.renew.n1"] }, subscribe: { allow: ["_INBOX_n1.>"] } });
  assert.ok(a.expiresAt.getTime() <= now.getTime() + 300_000);
  // Still refused: a removed node, another cluster, an expired certificate.
  for (const [c, cl] of [[cert({ renewalOnly: true }), cluster({ node: undefined })], [cert({ o: "c2", renewalOnly: true }), cluster()],
    [cert({ notAfter: new Date(now.getTime() - 1), renewalOnly: true }), cluster()]] as const) {
    assert.equal(admitNode(c, cl, now).ok, false);
  }
});
