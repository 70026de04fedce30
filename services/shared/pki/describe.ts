import "reflect-metadata";
import { createHash } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { firstCert } from "./ca.js";
import { invalidArgument } from "../errors/index.js";

/** What the log records of an issued certificate (never its key): DESIGN §6, `NodeCertificateIssued`. */
export interface CertDescription {
  /** Serial number, hex. */
  serial: string;
  /** sha256 of the DER, hex. */
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  /** The issuer's subject, base64 DER (Docker's `TLSInfo.CertIssuerSubject`). */
  issuerSubject: string;
  /** The issuer's public key, base64 DER SubjectPublicKeyInfo (Docker's `TLSInfo.CertIssuerPublicKey`). */
  issuerPublicKey: string;
}

function parse(what: string, pem: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(firstCert(pem)); // a chain file or a bundle: its first certificate
  } catch (err) {
    throw invalidArgument(`${what}: malformed (${(err as Error).message})`);
  }
}

const b64 = (buf: ArrayBuffer) => Buffer.from(buf).toString("base64");

/** The facts of `certPem`, issued by the CA `caPem`. */
export function describeCert(certPem: string, caPem: string): CertDescription {
  const cert = parse("certificate", certPem);
  const ca = parse("CA certificate", caPem);
  return {
    serial: cert.serialNumber,
    fingerprint: createHash("sha256").update(new Uint8Array(cert.rawData)).digest("hex"),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    issuerSubject: b64(ca.subjectName.toArrayBuffer()),
    issuerPublicKey: b64(ca.publicKey.rawData),
  };
}

/** The validity and subject of a certificate, read without verifying it (the node's own, on disk). */
export interface CertTimes { notBefore: Date; notAfter: Date; commonName: string; ou: string; issuer: string }

export function certTimes(certPem: string): CertTimes {
  const cert = parse("certificate", certPem);
  const field = (name: string) => cert.subjectName.getField(name)[0] ?? "";
  return { notBefore: cert.notBefore, notAfter: cert.notAfter, commonName: field("CN"), ou: field("OU"), issuer: cert.issuer };
}
