import "reflect-metadata";
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chainPem, checkRootCa, createKeyAndCsr, createRootCa, crossSignRoot, isCrossSigned, signNodeCsr, splitCerts, trustBundle, verifyCert } from "./index.js";

const roots = Promise.all([createRootCa(), createRootCa(), createRootCa()]);

test("the cross-signed intermediate carries the new root's name and key, signed by the old root", async () => {
  const [previous, next, stranger] = await roots;
  const cross = await crossSignRoot(previous, next.certPem);
  const c = new X509Certificate(cross);
  assert.equal(c.ca, true);
  assert.equal(c.verify(new X509Certificate(previous.certPem).publicKey), true);
  assert.equal(c.verify(new X509Certificate(next.certPem).publicKey), false);
  assert.equal(isCrossSigned(cross, previous.certPem, next.certPem), true);
  assert.equal(isCrossSigned(cross, stranger.certPem, next.certPem), false, "not under another root");
  assert.equal(isCrossSigned(cross, previous.certPem, stranger.certPem), false, "not of another new root");
  // Only the old root's key can cross-sign: a key that is not its certificate's is refused.
  await assert.rejects(crossSignRoot({ certPem: previous.certPem, keyPem: stranger.keyPem }, next.certPem), /does not belong/);
});

/** openssl's own chain building (what Go's and node's TLS do too): leaf + chain against a trust file. */
function opensslVerifies(dir: string, trust: string, leafWithChain: string): boolean {
  const [leaf, ...chain] = splitCerts(leafWithChain);
  writeFileSync(join(dir, "trust.pem"), trust);
  writeFileSync(join(dir, "leaf.pem"), leaf!);
  writeFileSync(join(dir, "chain.pem"), chain.join("\n") || "\n");
  try {
    execFileSync("openssl", ["verify", "-CAfile", "trust.pem", ...(chain.length ? ["-untrusted", "chain.pem"] : []), "leaf.pem"], { cwd: dir, stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

test("a certificate of the new root with the intermediate chains to the old root alone, to the new alone, and to the bundle", async () => {
  const [previous, next] = await roots;
  const cross = await crossSignRoot(previous, next.certPem);
  const { csrPem } = await createKeyAndCsr();
  const leaf = await signNodeCsr({ ca: next, csrPem, nodeId: "n1", role: "worker", clusterId: "c1" });
  const dir = mkdtempSync(join(tmpdir(), "rotation-"));
  try {
    assert.equal(opensslVerifies(dir, previous.certPem, chainPem(leaf, cross)), true, "old root + intermediate");
    assert.equal(opensslVerifies(dir, previous.certPem, leaf), false, "old root without the intermediate");
    assert.equal(opensslVerifies(dir, next.certPem, chainPem(leaf, cross)), true, "new root");
    assert.equal(opensslVerifies(dir, trustBundle([next.certPem, previous.certPem]), leaf), true, "bundle");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The cluster's own check takes a bundle as the CAs it holds.
  assert.equal(verifyCert(chainPem(leaf, cross), [trustBundle([next.certPem, previous.certPem])]).commonName, "n1");
  assert.throws(() => verifyCert(leaf, [previous.certPem]), /not signed by the cluster CA/);
});

test("a root CA brought by the user must be one self-signed CA with its own key", async () => {
  const [previous, next] = await roots;
  await checkRootCa(next);
  await assert.rejects(checkRootCa({ certPem: next.certPem, keyPem: previous.keyPem }), /does not belong/);
  await assert.rejects(checkRootCa({ certPem: trustBundle([next.certPem, previous.certPem]), keyPem: next.keyPem }), /expected one PEM certificate, got 2/);
  const { csrPem } = await createKeyAndCsr();
  const leaf = await signNodeCsr({ ca: next, csrPem, nodeId: "n1", role: "worker", clusterId: "c1" });
  await assert.rejects(checkRootCa({ certPem: leaf, keyPem: next.keyPem }), /not a CA/);
  const cross = await crossSignRoot(previous, next.certPem);
  await assert.rejects(checkRootCa({ certPem: cross, keyPem: next.keyPem }), /not self-signed/);
});
