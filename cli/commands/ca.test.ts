import { test } from "node:test";
import assert from "node:assert/strict";
import type { ApiClient, CaView } from "../client.js";
import { runCa } from "./ca.js";

/** An api that answers the rotation view from a script of answers, and records what was asked. */
function fakeApi(views: CaView[]): { client: ApiClient; asked: string[] } {
  const asked: string[] = [];
  let i = 0;
  const next = () => views[Math.min(i++, views.length - 1)]!;
  const client = {
    caRotation: async () => { asked.push("view"); return next(); },
    rotateCa: async (body: object) => { asked.push(`rotate ${JSON.stringify(body)}`); return next(); },
    updateSwarm: async (req: object) => { asked.push(`update ${JSON.stringify(req)}`); },
  } as unknown as ApiClient;
  return { client, asked };
}

const idle: CaView = { CACert: "OLD\n", CADigest: "old", RootRotationInProgress: false };
const running = (moved: number): CaView => ({
  CACert: "OLD\n", CADigest: "old", RootRotationInProgress: true,
  Rotation: { CACert: "NEW\n", CADigest: "new", NodesMoved: moved, NodesTotal: 3, Pending: [] },
});
const done: CaView = { CACert: "NEW\n", CADigest: "new", RootRotationInProgress: false };

test("swarm ca prints the root in use; --cert-expiry alone only updates the validity", async () => {
  const api = fakeApi([idle]);
  assert.equal(await runCa(api.client, {}, () => {}), "OLD");
  assert.equal(await runCa(api.client, { certExpiry: "2h" }, () => {}), "OLD");
  assert.deepEqual(api.asked, ["view", 'update {"NodeCertExpiryMs":7200000}', "view"]);
});

test("--ca-cert/--ca-key need --rotate and each other, as docker says", async () => {
  const api = fakeApi([idle]);
  await assert.rejects(runCa(api.client, { caCert: "a.pem", caKey: "k.pem" }, () => {}), /--rotate must be specified when providing --ca-cert or --ca-key/);
  await assert.rejects(runCa(api.client, { rotate: true, caCert: "a.pem" }, () => {}), /--ca-key is required with --ca-cert/);
  assert.deepEqual(api.asked, [], "nothing asked of the api");
});

test("--rotate shows the progress until the new root is the cluster's, then prints it; -d returns at once", async () => {
  const api = fakeApi([running(0), running(0), running(2), done]);
  const lines: string[] = [];
  assert.equal(await runCa(api.client, { rotate: true }, (l) => lines.push(l)), "NEW");
  assert.deepEqual(lines, [
    "rotated TLS certificates: 0/3 nodes\nrotated CA certificates: 0/1\n",
    "rotated TLS certificates: 2/3 nodes\nrotated CA certificates: 0/1\n",
    "rotated TLS certificates: all nodes\nrotated CA certificates: 1/1\n",
  ]);
  const detached = fakeApi([running(0)]);
  assert.equal(await runCa(detached.client, { rotate: true, detach: true }, () => {}), "");
  assert.deepEqual(detached.asked, ["rotate {}"]);
});
