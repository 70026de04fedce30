import "reflect-metadata";
import { webcrypto } from "node:crypto";
export type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { chmodSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import * as x509 from "@peculiar/x509";

/*
 * Keys as PEM text at every edge (files, rpc bodies), CryptoKeys only inside this package:
 * @peculiar/x509 signs with WebCrypto, node:crypto's is the provider (no native addon).
 */

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** ECDSA P-256 with SHA-256: every key and signature of the cluster PKI (DESIGN §6). */
export const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
export const EC_SIGN = { name: "ECDSA", hash: "SHA-256" } as const;

export const subtle = webcrypto.subtle;

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await subtle.generateKey(EC_KEY, true, ["sign", "verify"])) as CryptoKeyPair;
}

/** PKCS#8 PEM ("PRIVATE KEY"), which node's tls, Go's (nats-server) and openssl all read. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** The CryptoKey of a PKCS#8 P-256 private key PEM; throws naming what is wrong. */
export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  let der: ArrayBuffer;
  try {
    [der] = x509.PemConverter.decode(pem) as [ArrayBuffer];
    if (!der) throw new Error("no PEM block");
  } catch (err) {
    throw new Error(`private key: not a PEM key (${(err as Error).message})`);
  }
  try {
    return await subtle.importKey("pkcs8", der, EC_KEY, true, ["sign"]);
  } catch (err) {
    throw new Error(`private key: not a PKCS#8 ECDSA P-256 key (${(err as Error).message})`);
  }
}

/** The public half of a private key (WebCrypto cannot derive it: go through its JWK). */
export async function publicKeyOf(privateKey: CryptoKey): Promise<CryptoKey> {
  const { kty, crv, x, y } = await subtle.exportKey("jwk", privateKey);
  return subtle.importKey("jwk", { kty, crv, x, y }, EC_KEY, true, ["verify"]);
}

/**
 * Writes a private key (or any secret PEM or bytes) readable by its owner only: file 0600 in a directory
 * 0700 (created if missing). Written to a fresh file then renamed: an existing file would keep its
 * old mode, and a crash mid-write would leave a torn key.
 */
export function writeKeyFile(path: string, pem: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, pem, { mode: 0o600, flag: "wx" });
  chmodSync(tmp, 0o600); // the umask may have taken bits away, never added: make it exact
  renameSync(tmp, path);
}
