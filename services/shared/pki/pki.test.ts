import "reflect-metadata"; // before @peculiar/x509, which needs it at load
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { caDigest, createKeyAndCsr, createRootCa, deriveJoinToken, issueCert, parseJoinToken, signNodeCsr, verifyCert, writeKeyFile } from "./index.js";
import { EC_SIGN, generateKeyPair } from "./keys.js";

const DAY = 24 * 3600_000;
const cas = Promise.all([createRootCa(), createRootCa({ commonName: "other-ca" })]);

test("a root CA is a self-signed P-256 CA named swarm-ca, valid 20 years", async () => {
  const [ca] = await cas;
  const cert = new X509Certificate(ca.certPem);
  assert.equal(cert.subject, "CN=swarm-ca");
  assert.equal(cert.ca, true);
  assert.equal(cert.verify(cert.publicKey), true);
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
  const years = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365 * DAY);
  assert.ok(years > 19.9 && years < 20.1, `20 years, got ${years}`);
  assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----/);
});

test("caDigest is sha256 of the DER in base 36, 50 characters, one per CA", async () => {
  const [ca, other] = await cas;
  const der = new X509Certificate(ca.certPem).raw;
  const expected = BigInt(`0x${createHash("sha256").update(der).digest("hex")}`).toString(36).padStart(50, "0");
  assert.equal(caDigest(ca.certPem), expected);
  assert.match(caDigest(ca.certPem), /^[0-9a-z]{50}$/);
  assert.notEqual(caDigest(other.certPem), caDigest(ca.certPem));
  assert.throws(() => caDigest("not a certificate"), /CA certificate: malformed/);
});

test("a node CSR is signed with the node's id, role and cluster; only its public key is taken", async () => {
  const [ca] = await cas;
  // A CSR that asks for another identity: the CA ignores its subject.
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ keys, signingAlgorithm: EC_SIGN, name: "CN=root, OU=swarm-manager" });
  const certPem = await signNodeCsr({ ca, csrPem: csr.toString("pem"), nodeId: "node-1", role: "worker", clusterId: "cluster-9" });
  const id = verifyCert(certPem, [ca.certPem]);
  assert.deepEqual([id.commonName, id.ou, id.o], ["node-1", "swarm-worker", "cluster-9"]);
  const days = (id.notAfter.getTime() - Date.now()) / DAY;
  assert.ok(days > 89.9 && days <= 90, `90 days, got ${days}`);
  assert.ok(Date.now() - id.notBefore.getTime() >= 3599_000, "back-dated one hour");
  const cert = new x509.X509Certificate(certPem);
  assert.equal(Buffer.from(cert.publicKey.rawData).equals(Buffer.from(csr.publicKey.rawData)), true);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  assert.deepEqual([...(eku?.usages ?? [])].map(String).sort(), [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth].sort());
  assert.equal(cert.getExtension(x509.KeyUsagesExtension)?.usages, x509.KeyUsageFlags.digitalSignature);
  assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  const manager = await signNodeCsr({ ca, csrPem: (await createKeyAndCsr()).csrPem, nodeId: "m", role: "manager", clusterId: "c" });
  assert.equal(verifyCert(manager, [ca.certPem]).ou, "swarm-manager");
});

test("signNodeCsr refuses a CSR whose signature does not verify, bad parameters and a mismatched CA key", async () => {
  const [ca, other] = await cas;
  const { csrPem } = await createKeyAndCsr();
  const der = Buffer.from(x509.PemConverter.decode(csrPem)[0]!);
  der.writeUInt8(der.readUInt8(der.length - 3) ^ 1, der.length - 3); // inside the signature
  const tampered = x509.PemConverter.encode(der, "CERTIFICATE REQUEST");
  const base = { ca, nodeId: "n", role: "worker" as const, clusterId: "c" };
  await assert.rejects(signNodeCsr({ ...base, csrPem: tampered }), /CSR: its signature does not verify/);
  await assert.rejects(signNodeCsr({ ...base, csrPem: "junk" }), /CSR: malformed/);
  await assert.rejects(signNodeCsr({ ...base, csrPem, nodeId: "" }), /nodeId: required/);
  await assert.rejects(signNodeCsr({ ...base, csrPem, role: "admin" as never }), /role: must be worker or manager/);
  await assert.rejects(signNodeCsr({ ...base, csrPem, ca: { certPem: ca.certPem, keyPem: other.keyPem } }), /CA key: does not belong/);
});

test("issueCert gives a fresh key and SANs for IPs and DNS names", async () => {
  const [ca] = await cas;
  const { certPem, keyPem } = await issueCert({ ca, commonName: "nats", ou: "swarm-service", hosts: ["127.0.0.1", "::1", "localhost"], days: 7 });
  const cert = new X509Certificate(certPem);
  assert.equal(cert.subjectAltName, "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost");
  assert.equal(cert.checkHost("localhost"), "localhost");
  assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1");
  assert.equal(cert.checkPrivateKey((await import("node:crypto")).createPrivateKey(keyPem)), true);
  const id = verifyCert(certPem, [ca.certPem]);
  assert.deepEqual([id.commonName, id.ou, id.o], ["nats", "swarm-service", ""]);
  await assert.rejects(issueCert({ ca, commonName: "x", days: 0 }), /days: must be positive/);
});

test("verifyCert refuses another CA's certificate, an expired one, a not-yet-valid one and junk", async () => {
  const [ca, other] = await cas;
  const { certPem } = await issueCert({ ca: other, commonName: "intruder", days: 1 });
  assert.throws(() => verifyCert(certPem, [ca.certPem]), /intruder: not signed by the cluster CA/);
  assert.equal(verifyCert(certPem, [ca.certPem, other.certPem]).commonName, "intruder", "trusted when its CA is listed");
  assert.throws(() => verifyCert(certPem, [ca.certPem], new Date(Date.now() + 2 * DAY)), /not signed/);
  assert.throws(() => verifyCert(certPem, [other.certPem], new Date(Date.now() + 2 * DAY)), /expired at/);
  assert.throws(() => verifyCert(certPem, [other.certPem], new Date(Date.now() - 2 * 3600_000)), /not valid before/);
  assert.throws(() => verifyCert("junk", [ca.certPem]), (e: Error & { code?: string }) => e.code === "unauthenticated" && /malformed/.test(e.message));
});

test("writeKeyFile writes 0600 in a 0700 directory, also over an existing readable file", () => {
  const root = mkdtempSync(join(tmpdir(), "pki-"));
  try {
    const path = join(root, "keys", "ca.key");
    writeKeyFile(path, "one");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(root, "keys")).mode & 0o777, 0o700);
    writeFileSync(join(root, "loose.key"), "x", { mode: 0o644 });
    writeKeyFile(join(root, "loose.key"), "two");
    assert.equal(statSync(join(root, "loose.key")).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(root, "loose.key"), "utf8"), "two");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("join tokens: Swarm's format with the CA's digest, one per role and generation, stable, another per CA", async () => {
  const [ca, other] = await cas;
  const w1 = deriveJoinToken(ca, "worker", 1);
  assert.match(w1, /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/);
  assert.deepEqual(parseJoinToken(w1), { digest: caDigest(ca.certPem), secret: w1.slice(60) });
  assert.equal(deriveJoinToken(ca, "worker", 1), w1, "derived again: the same");
  const all = [w1, deriveJoinToken(ca, "worker", 2), deriveJoinToken(ca, "manager", 1), deriveJoinToken(other, "worker", 1)];
  assert.equal(new Set(all.map((t) => t.slice(60))).size, 4, "secrets differ by role, generation and CA");
  assert.throws(() => deriveJoinToken(ca, "worker", 0), /generation/);
  for (const bad of ["", "SWMTKN-1-x-y", `${w1}0`, w1.toUpperCase(), w1.replace("SWMTKN-1", "SWMTKN-2")]) assert.equal(parseJoinToken(bad), undefined, bad);
});
