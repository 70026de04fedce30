import "reflect-metadata";
import { X509Certificate as NodeCert } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { invalidArgument, unauthenticated } from "../errors/index.js";
import { firstCert, splitCerts } from "./ca.js";

/** What a verified certificate says about its holder. */
export interface CertIdentity { commonName: string; ou: string; o: string; notBefore: Date; notAfter: Date }

function field(cert: x509.X509Certificate, name: string): string {
  return cert.subjectName.getField(name)[0] ?? "";
}

/**
 * Verifies `certPem` against the trusted CA certificates at `now`: signed by one of them (and
 * issued under its name), inside its validity period. Throws `unauthenticated` naming why
 * (malformed, not signed by the cluster CA, not yet valid, expired); a malformed CA certificate
 * is the caller's error (`invalid_argument`).
 */
export function verifyCert(certPem: string, caCertPems: readonly string[], now: Date = new Date()): CertIdentity {
  let cert: NodeCert;
  let parsed: x509.X509Certificate;
  try {
    const leaf = firstCert(certPem); // a chain file: the leaf first, its intermediates after
    cert = new NodeCert(leaf);
    parsed = new x509.X509Certificate(leaf);
  } catch (err) {
    throw unauthenticated(`certificate: malformed (${(err as Error).message})`);
  }
  // A trust bundle (old and new roots during a rotation) is as many CAs as it holds certificates.
  const cas = caCertPems.flatMap((pem) => { const certs = splitCerts(pem); return certs.length ? certs : [pem]; }).map((pem, i) => {
    try {
      return new NodeCert(pem);
    } catch (err) {
      throw invalidArgument(`CA certificate ${i}: malformed (${(err as Error).message})`);
    }
  });
  // node:crypto verifies the signature; checkIssued also matches issuer name and key identifiers.
  if (!cas.some((ca) => ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    throw unauthenticated(`certificate of ${field(parsed, "CN") || "?"}: not signed by the cluster CA`);
  }
  const { notBefore, notAfter } = parsed;
  if (now < notBefore) throw unauthenticated(`certificate: not valid before ${notBefore.toISOString()}`);
  if (now > notAfter) throw unauthenticated(`certificate: expired at ${notAfter.toISOString()}`);
  return { commonName: field(parsed, "CN"), ou: field(parsed, "OU"), o: field(parsed, "O"), notBefore, notAfter };
}
