import "reflect-metadata";
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certMatchesKey, createKeyAndCsr, createRootCa, finishIdentityUpdate, signNodeCsr, writeIdentity } from "./index.js";

async function nodeIdentity(ca: { certPem: string; keyPem: string }) {
  const { keyPem, csrPem } = await createKeyAndCsr();
  const certPem = await signNodeCsr({ ca, csrPem, nodeId: "n1", role: "worker", clusterId: "c1" });
  return { certPem, keyPem, caPem: ca.certPem };
}

test("a new identity replaces the old as one set, every file 0600, nothing left beside it", async () => {
  const ca = await createRootCa();
  const dir = mkdtempSync(join(tmpdir(), "jetswarm-identity-"));
  const files = { cert: join(dir, "node.crt"), key: join(dir, "node.key"), ca: join(dir, "ca.crt") };
  try {
    const first = await nodeIdentity(ca);
    writeIdentity(files, first);
    const second = await nodeIdentity(ca);
    writeIdentity(files, second);
    assert.equal(readFileSync(files.cert, "utf8"), second.certPem);
    assert.equal(readFileSync(files.key, "utf8"), second.keyPem);
    for (const f of Object.values(files)) {
      assert.equal(statSync(f).mode & 0o777, 0o600, f);
      assert.equal(existsSync(`${f}.next`), false);
    }
    assert.throws(() => writeIdentity(files, { ...second, keyPem: first.keyPem }), /does not hold the new key/);
    assert.equal(readFileSync(files.key, "utf8"), second.keyPem, "a mismatched pair changes nothing");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a swap a crash interrupted is finished when the set is complete, dropped when it is not", async () => {
  const ca = await createRootCa();
  const dir = mkdtempSync(join(tmpdir(), "jetswarm-identity-"));
  const files = { cert: join(dir, "node.crt"), key: join(dir, "node.key"), ca: join(dir, "ca.crt") };
  try {
    const old = await nodeIdentity(ca);
    writeIdentity(files, old);
    const fresh = await nodeIdentity(ca);
    // Crashed after moving the key, before the certificate: the pair on disk does not match.
    writeFileSync(`${files.cert}.next`, fresh.certPem);
    writeFileSync(`${files.key}.next`, fresh.keyPem);
    renameSync(`${files.key}.next`, files.key);
    assert.equal(certMatchesKey(readFileSync(files.cert, "utf8"), readFileSync(files.key, "utf8")), false);
    assert.equal(finishIdentityUpdate(files), true);
    assert.equal(readFileSync(files.cert, "utf8"), fresh.certPem);
    assert.equal(certMatchesKey(readFileSync(files.cert, "utf8"), readFileSync(files.key, "utf8")), true);
    // Crashed while writing the next set (no certificate yet): the old one stays.
    writeFileSync(`${files.key}.next`, old.keyPem);
    assert.equal(finishIdentityUpdate(files), false);
    assert.equal(existsSync(`${files.key}.next`), false);
    assert.equal(readFileSync(files.key, "utf8"), fresh.keyPem);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
