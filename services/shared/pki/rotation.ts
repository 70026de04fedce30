import "reflect-metadata";
import { X509Certificate as NodeCert } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { invalidArgument } from "../errors/index.js";
import { type CertAndKey, firstCert, loadIssuer, serialNumber, splitCerts } from "./ca.js";
import { EC_SIGN } from "./keys.js";

/*
 * Root rotation as swarmkit does it (manager/ca, controlapi/ca_rotation.go): a new root, and a
 * cross-signed intermediate — the new root's name and public key, signed by the old root's key —
 * so that a certificate the new root signs, presented with that intermediate after it, chains to
 * the old root for a peer that still trusts only the old one. While the rotation runs the trust
 * bundle holds both roots (new first: it signs); when every identity has moved, only the new one.
 */

/**
 * The cross-signed intermediate of `next` under `previous`: subject, public key and validity of the
 * new root, issuer the old root; a CA that may sign only leaves (path length 0).
 */
export async function crossSignRoot(previous: CertAndKey, nextCertPem: string): Promise<string> {
  const issuer = await loadIssuer(previous);
  const next = parseCert("new root CA certificate", nextCertPem);
  const publicKey = await next.publicKey.export();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(), subject: next.subjectName, issuer: issuer.cert.subjectName,
    notBefore: next.notBefore, notAfter: next.notAfter, publicKey, signingKey: issuer.key, signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey),
    ],
  });
  return cert.toString("pem");
}

function parseCert(what: string, pem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(firstCert(pem));
  } catch (err) {
    throw invalidArgument(`${what}: malformed (${(err as Error).message})`);
  }
}

/**
 * Checks a root CA a user brings (`swarm ca --rotate --ca-cert --ca-key`): one self-signed CA
 * certificate, valid now, whose key is the one given. Throws `invalid_argument` naming what is wrong.
 */
export async function checkRootCa(ca: CertAndKey, now: Date = new Date()): Promise<void> {
  const certs = splitCerts(ca.certPem);
  if (certs.length !== 1) throw invalidArgument(`CA certificate: expected one PEM certificate, got ${certs.length}`);
  const cert = new NodeCert(certs[0]!);
  if (!cert.ca) throw invalidArgument("CA certificate: not a CA (basicConstraints CA:FALSE)");
  if (!cert.checkIssued(cert) || !cert.verify(cert.publicKey)) throw invalidArgument("CA certificate: not self-signed (a root is needed)");
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) throw invalidArgument(`CA certificate: not valid now (${cert.validFrom} to ${cert.validTo})`);
  await loadIssuer(ca); // the key belongs to the certificate
}

/**
 * True when `crossPem` is a cross-signed intermediate of `nextRootPem` under `previousRootPem`:
 * signed by the old root, issued under its name, carrying the new root's subject and public key.
 */
export function isCrossSigned(crossPem: string, previousRootPem: string, nextRootPem: string): boolean {
  const cross = new NodeCert(firstCert(crossPem));
  const previous = new NodeCert(firstCert(previousRootPem));
  const next = new NodeCert(firstCert(nextRootPem));
  return cross.ca && cross.checkIssued(previous) && cross.verify(previous.publicKey)
    && cross.subject === next.subject && cross.publicKey.export({ format: "der", type: "spki" }).equals(next.publicKey.export({ format: "der", type: "spki" }));
}

/** The trust bundle while a rotation runs: the new root first (it signs), then the old one. */
export function trustBundle(roots: readonly string[]): string {
  return roots.map((r) => firstCert(r)).join("\n");
}

/** A certificate followed by its chain (each PEM on its own lines), as a TLS peer presents it. */
export function chainPem(...pems: readonly string[]): string {
  return pems.flatMap((p) => splitCerts(p)).join("\n");
}
