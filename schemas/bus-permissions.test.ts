import { test } from "node:test";
import assert from "node:assert/strict";
import { BUS_IDENTITIES, nodePermissions } from "./bus-permissions.js";
import { subjects } from "./subjects.js";

test("a node may ask for its own certificate's renewal, and no other node's", () => {
  const allow = nodePermissions("n1").publish.allow ?? [];
  assert.ok(allow.includes(subjects.certRenewOf("n1")));
  assert.equal(allow.some((s) => s.startsWith("swarm.rpc.certs.") && s !== subjects.certRenewOf("n1")), false);
  assert.equal(allow.some((s) => s.startsWith("swarm.rpc.") && (s.includes("*") || s.includes(">"))), false, "no wildcard rpc subject");
});

test("the secret-store answers renewals; no other static identity hears them", () => {
  assert.ok((BUS_IDENTITIES["svc-secret-store"].subscribe.allow as readonly string[]).includes(subjects.certRenewAll));
  for (const [name, p] of Object.entries(BUS_IDENTITIES)) {
    if (name === "svc-secret-store" || name === "admin") continue;
    assert.equal((p.subscribe.allow as readonly string[] | undefined ?? []).includes(subjects.certRenewAll), false, name);
  }
});

test("a node serves its own containers rpc (docker kill -s, docker top), no other node's; the api may ask any node", () => {
  const sub = nodePermissions("n1").subscribe.allow ?? [];
  assert.ok(sub.includes(subjects.containersOfNode("n1")));
  assert.equal(sub.some((s) => s.startsWith("swarm.rpc.containers.") && s !== subjects.containersOfNode("n1")), false);
  assert.ok((BUS_IDENTITIES["svc-api"].publish.allow as readonly string[]).includes(subjects.containersAll));
});
