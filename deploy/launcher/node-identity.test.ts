import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKeyAndCsr, createRootCa, signNodeCsr } from "../../services/shared/pki/index.js";
import { ensureClusterCa, saveNodeIdentity } from "./node-identity.js";

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "node-identity-"));
    try { await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
  };
}

test("ensureClusterCa creates the CA once (0600 files), keeps it after, refuses a half-present one", withDir(async (dir) => {
  const keys = join(dir, "keys");
  assert.deepEqual(await ensureClusterCa(keys), { created: true });
  assert.equal(statSync(join(keys, "ca.key")).mode & 0o777, 0o600);
  assert.equal(statSync(join(keys, "ca.crt")).mode & 0o777, 0o600);
  const cert = readFileSync(join(keys, "ca.crt"), "utf8");
  assert.deepEqual(await ensureClusterCa(keys), { created: false });
  assert.equal(readFileSync(join(keys, "ca.crt"), "utf8"), cert, "not replaced");
  unlinkSync(join(keys, "ca.key"));
  await assert.rejects(ensureClusterCa(keys), /ca\.key is missing but .*ca\.crt exists/);
}));

test("saveNodeIdentity keeps only a certificate of this node signed by the pinned CA", withDir(async (dir) => {
  const [ca, other] = [await createRootCa(), await createRootCa()];
  const { keyPem, csrPem } = await createKeyAndCsr();
  const certPem = await signNodeCsr({ ca, csrPem, nodeId: "n1", role: "worker", clusterId: "c" });
  assert.throws(() => saveNodeIdentity(dir, "n2", { certPem, keyPem, caPem: ca.certPem }), /certificate for n1, not for this node \(n2\)/);
  assert.throws(() => saveNodeIdentity(dir, "n1", { certPem, keyPem, caPem: other.certPem }), /not signed by the cluster CA/);
  saveNodeIdentity(dir, "n1", { certPem, keyPem, caPem: ca.certPem });
  assert.equal(statSync(join(dir, "node", "node.key")).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(dir, "node", "node.crt"), "utf8"), certPem);
}));
