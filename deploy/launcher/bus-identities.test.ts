import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certMatchesKey, verifyCert } from "../../services/shared/pki/index.js";
import { ensureBusCertificates } from "./bus-identities.js";
import { ensureClusterCa } from "./node-identity.js";

const DAY = 86400_000;

test("bus certificates: issued once, kept while fresh, renewed (a matching pair) once a third of their life is left", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bus-identities-"));
  try {
    await ensureClusterCa(dir);
    const ca = readFileSync(join(dir, "ca.crt"), "utf8");
    const first = await ensureBusCertificates(dir, ["127.0.0.1"]);
    assert.ok(first.renewed.includes("nats-server") && first.renewed.includes("svc-api"), "all issued at first");
    const api = first.identity("svc-api");
    const before = readFileSync(api.cert, "utf8");
    assert.deepEqual((await ensureBusCertificates(dir, ["127.0.0.1"])).renewed, [], "fresh ones are kept");
    const later = new Date(Date.now() + 250 * DAY);
    const again = await ensureBusCertificates(dir, ["127.0.0.1"], later);
    assert.deepEqual(again.renewed.sort(), first.renewed.sort(), "every one renewed with 115 of 365 days left");
    const after = readFileSync(api.cert, "utf8");
    assert.notEqual(after, before);
    assert.ok(certMatchesKey(after, readFileSync(api.key, "utf8")));
    assert.equal(verifyCert(after, [ca], later).commonName, "svc-api");
    assert.equal(readFileSync(join(dir, "ca.crt"), "utf8"), ca, "the CA's file is left alone");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
