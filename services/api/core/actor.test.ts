import { test } from "node:test";
import assert from "node:assert/strict";
import { isLoopback, joinActor, requestActor } from "./actor.js";

test("loopback clients are the local user; others are named by address", () => {
  for (const a of ["127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"]) assert.equal(isLoopback(a), true, a);
  for (const a of ["10.0.0.5", "::ffff:192.168.1.2", "fe80::1", undefined]) assert.equal(isLoopback(a), false, String(a));
  assert.deepEqual(requestActor("127.0.0.1", "api-7"), { kind: "user", id: "local", via: "api-7" });
  assert.deepEqual(requestActor("::ffff:10.1.2.3", "api-7"), { kind: "user", id: "remote:10.1.2.3", via: "api-7" });
  assert.deepEqual(requestActor(undefined, "api-7"), { kind: "user", id: "remote:unknown", via: "api-7" });
});

test("a join acts as its token's role, never the secret", () => {
  assert.deepEqual(joinActor("worker", "api-1"), { kind: "user", id: "token:worker", via: "api-1" });
});

test("an authenticated identity is the actor, wherever the request came from", () => {
  assert.deepEqual(requestActor("10.0.0.5", "api-7", "cert:alice"), { kind: "user", id: "cert:alice", via: "api-7" });
  assert.deepEqual(requestActor("127.0.0.1", "api-7", "token:ci"), { kind: "user", id: "token:ci", via: "api-7" });
});
