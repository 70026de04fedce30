import { test } from "node:test";
import assert from "node:assert/strict";
import { decideRenewal, type RenewalFacts } from "./renewal.js";

const facts = (over: Partial<RenewalFacts> = {}): RenewalFacts => ({
  asker: "n1", nodeId: "n1", cluster: { id: "c1", nodeCertExpiryMs: 7_200_000 }, node: { id: "n1", role: "worker" }, ...over,
});

test("a node renews its own certificate with its role, its cluster and the cluster's --cert-expiry", () => {
  assert.deepEqual(decideRenewal(facts()), { ok: true, nodeId: "n1", role: "worker", clusterId: "c1", expiryMs: 7_200_000 });
  const d = decideRenewal(facts({ cluster: { id: "c1" }, node: { id: "n1", role: "manager" } }));
  assert.deepEqual(d, { ok: true, nodeId: "n1", role: "manager", clusterId: "c1" });
});

test("another node's id in the body is refused (permission_denied), naming both", () => {
  const d = decideRenewal(facts({ nodeId: "n2" }));
  assert.equal(d.ok, false);
  assert.equal(!d.ok && d.error.code, "permission_denied");
  assert.match(!d.ok ? d.error.message : "", /node n1 cannot renew the certificate of node n2/);
});

test("a removed node or an uninitialised cluster gets no certificate", () => {
  const removed = decideRenewal(facts({ node: undefined }));
  assert.equal(!removed.ok && removed.error.code, "not_found");
  const none = decideRenewal(facts({ cluster: undefined }));
  assert.equal(!none.ok && none.error.code, "failed_precondition");
});
