import "reflect-metadata";
import { createHash, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";
import { invalidArgument } from "../errors/index.js";
import { type CryptoKey, EC_SIGN, generateKeyPair, importPrivateKey, privateKeyPem, publicKeyOf, subtle } from "./keys.js";

/*
 * The cluster CA (DESIGN §6): a self-signed ECDSA P-256 root, and the certificates it signs — node
 * identities from a CSR (the CA takes only the CSR's public key: the subject comes from the cluster
 * state, never from the requester) and service/server identities issued with a fresh key.
 */

/** A certificate and its private key, both PEM. For the CA: `ca.crt` and `ca.key`. */
export interface CertAndKey { certPem: string; keyPem: string }
export type NodeRole = "worker" | "manager";

/** The OU of a node certificate, as Swarm writes it. */
export const ROLE_OU: Record<NodeRole, string> = { worker: "swarm-worker", manager: "swarm-manager" };

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** Back-dating of every certificate: a peer whose clock is a little behind still accepts it. */
export const BACKDATE_MS = HOUR_MS;
/** Swarm's token digest: the sha256 as a base-36 number, zero-padded to 50 characters. */
const DIGEST_LEN = 50;

export function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // a positive INTEGER in DER
  return bytes.toString("hex");
}

function subjectOf(fields: { commonName: string; ou?: string | undefined; o?: string | undefined }): x509.JsonName {
  const name: x509.JsonName = [];
  if (fields.o) name.push({ O: [fields.o] });
  if (fields.ou) name.push({ OU: [fields.ou] });
  name.push({ CN: [fields.commonName] });
  return name;
}

function parsePem<T>(what: string, pem: string, parse: (pem: string) => T): T {
  try {
    return parse(pem);
  } catch (err) {
    throw invalidArgument(`${what}: malformed (${(err as Error).message})`);
  }
}

/** Creates the cluster's root CA: ECDSA P-256, self-signed, CA:true, keyCertSign + cRLSign. */
export async function createRootCa(opts: { commonName?: string; years?: number } = {}): Promise<CertAndKey> {
  const { commonName = "swarm-ca", years = 20 } = opts;
  const keys = await generateKeyPair();
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const notAfter = new Date(notBefore.getTime() + years * 365 * DAY_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(), name: subjectOf({ commonName }), notBefore, notAfter, keys, signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await privateKeyPem(keys.privateKey) };
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle, in order, each as its own PEM. A trust bundle during a CA
 * rotation is the new root then the old one; a leaf file may carry its chain after it.
 */
export function splitCerts(pem: string): string[] {
  return pem.match(PEM_CERT) ?? [];
}

/** The first certificate of a bundle (the signing root of `ca.crt`, the leaf of a chain file); else the text as is. */
export function firstCert(pem: string): string {
  return splitCerts(pem)[0] ?? pem;
}

/** Swarm's join-token digest of a CA: sha256 of the certificate's DER, in base 36, 50 characters (of a bundle: its first). */
export function caDigest(certPem: string): string {
  const cert = parsePem("CA certificate", firstCert(certPem), (p) => new x509.X509Certificate(p));
  const hex = createHash("sha256").update(new Uint8Array(cert.rawData)).digest("hex");
  return BigInt(`0x${hex}`).toString(36).padStart(DIGEST_LEN, "0");
}

/** A fresh node key and a CSR signed by it (the subject is left empty: the CA sets it). */
export async function createKeyAndCsr(): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ keys, signingAlgorithm: EC_SIGN });
  return { keyPem: await privateKeyPem(keys.privateKey), csrPem: csr.toString("pem") };
}

export interface Issuer { cert: x509.X509Certificate; key: CryptoKey }

/** The CA's certificate (the first of a bundle) and key, checked to belong together (a mismatch signs certificates nobody can verify). */
export async function loadIssuer(ca: CertAndKey): Promise<Issuer> {
  const cert = parsePem("CA certificate", firstCert(ca.certPem), (p) => new x509.X509Certificate(p));
  const key = await importPrivateKey(ca.keyPem);
  const spki = new Uint8Array(await subtle.exportKey("spki", await publicKeyOf(key)));
  if (!Buffer.from(spki).equals(Buffer.from(cert.publicKey.rawData))) {
    throw invalidArgument("CA key: does not belong to the CA certificate");
  }
  return { cert, key };
}

interface LeafParams { subject: x509.JsonName; publicKey: CryptoKey | x509.PublicKey; days: number; hosts?: string[] }

async function signLeaf(issuer: Issuer, p: LeafParams): Promise<string> {
  if (!(p.days > 0)) throw invalidArgument(`days: must be positive, got ${p.days}`);
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const notAfter = new Date(Date.now() + p.days * DAY_MS);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth]),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey),
  ];
  if (p.hosts?.length) {
    const names = p.hosts.map((h) => ({ type: isIP(h) ? "ip" as const : "dns" as const, value: h }));
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(), subject: p.subject, issuer: issuer.cert.subjectName, notBefore, notAfter,
    publicKey: p.publicKey, signingKey: issuer.key, signingAlgorithm: EC_SIGN, extensions,
  });
  return cert.toString("pem");
}

/** A parsed CSR whose self-signature verifies (proof its sender holds the key); else `invalid_argument`. */
export async function checkCsr(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  const csr = parsePem("CSR", csrPem, (pem) => new x509.Pkcs10CertificateRequest(pem));
  if (!(await csr.verify().catch(() => false))) throw invalidArgument("CSR: its signature does not verify");
  return csr;
}

/**
 * Signs a node's CSR: CN = node id, OU = swarm-worker|swarm-manager, O = cluster id, `days`
 * (default 90) from now, back-dated 1 h. The CSR must be self-signed by its key (proof of
 * possession); its subject and extensions are ignored.
 */
export async function signNodeCsr(p: {
  ca: CertAndKey; csrPem: string; nodeId: string; role: NodeRole; clusterId: string; days?: number;
}): Promise<string> {
  if (!p.nodeId) throw invalidArgument("nodeId: required");
  if (!p.clusterId) throw invalidArgument("clusterId: required");
  const ou = ROLE_OU[p.role];
  if (!ou) throw invalidArgument(`role: must be worker or manager, got ${String(p.role)}`);
  const csr = await checkCsr(p.csrPem);
  const issuer = await loadIssuer(p.ca);
  return signLeaf(issuer, {
    subject: subjectOf({ commonName: p.nodeId, ou, o: p.clusterId }), publicKey: csr.publicKey, days: p.days ?? 90,
  });
}

/**
 * Issues a certificate with a fresh key for a service or a server (nats-server, the api): `hosts`
 * become the SANs (IP addresses and DNS names); usable for client and server auth.
 */
export async function issueCert(p: {
  ca: CertAndKey; commonName: string; ou?: string; o?: string; hosts?: string[]; days: number;
}): Promise<CertAndKey> {
  if (!p.commonName) throw invalidArgument("commonName: required");
  const issuer = await loadIssuer(p.ca);
  const keys = await generateKeyPair();
  const certPem = await signLeaf(issuer, {
    subject: subjectOf(p), publicKey: keys.publicKey, days: p.days, ...(p.hosts ? { hosts: p.hosts } : {}),
  });
  return { certPem, keyPem: await privateKeyPem(keys.privateKey) };
}
