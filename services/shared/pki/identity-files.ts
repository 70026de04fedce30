import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, renameSync, rmSync } from "node:fs";
import { firstCert } from "./ca.js";
import { writeKeyFile } from "./keys.js";

/*
 * A node's identity files (`node.crt`, `node.key`, `ca.crt`) replaced as one: a reader (nats.js
 * reads the files at every connect attempt) or a crash between two writes must never pair a new
 * key with an old certificate, or the node could not log in again. So the new set is written
 * beside the old one first (`*.next`, each 0600 via a temp file and a rename), the certificate
 * last, and only then moved into place; `finishIdentityUpdate` completes (or drops) a set a crash
 * interrupted, before anything reads the files.
 */

/** Paths of one identity (the shape of `NatsTls`). */
export interface IdentityFiles { cert: string; key: string; ca: string }

const next = (path: string) => `${path}.next`;

/** True when the certificate holds the public half of the key. */
export function certMatchesKey(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(firstCert(certPem)).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/**
 * Replaces the identity at `files` with `id`; the key must belong to the certificate. Without
 * `caPem` the trusted roots file is left as it is (a control-plane identity shares the CA's file).
 */
export function writeIdentity(files: IdentityFiles, id: { certPem: string; keyPem: string; caPem?: string }): void {
  if (!certMatchesKey(id.certPem, id.keyPem)) throw new Error("the new certificate does not hold the new key's public key");
  writeKeyFile(next(files.key), id.keyPem);
  if (id.caPem !== undefined) writeKeyFile(next(files.ca), id.caPem);
  writeKeyFile(next(files.cert), id.certPem); // last: its presence marks a complete set
  finishIdentityUpdate(files);
}

/**
 * Moves a complete `*.next` set into place (the certificate last, so that a crash in between is
 * finished by the next call); a set without its certificate was interrupted while being written and
 * is dropped (the old identity is still whole). Returns whether anything was moved.
 */
export function finishIdentityUpdate(files: IdentityFiles): boolean {
  if (!existsSync(next(files.cert))) {
    rmSync(next(files.key), { force: true });
    rmSync(next(files.ca), { force: true });
    return false;
  }
  if (existsSync(next(files.key))) renameSync(next(files.key), files.key);
  if (existsSync(next(files.ca))) renameSync(next(files.ca), files.ca);
  renameSync(next(files.cert), files.cert);
  return true;
}
