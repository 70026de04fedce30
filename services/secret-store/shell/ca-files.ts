import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { unavailable } from "../../shared/errors/index.js";
import { caDigest, type CertAndKey, firstCert, splitCerts, trustBundle, writeKeyFile } from "../../shared/pki/index.js";
import { Keyring } from "./keyring.js";

/*
 * The cluster CA in a manager's keys dir (DESIGN §6): `ca.crt` is the trust bundle — the root that
 * signs first, then, while a rotation runs, the old root — and `ca.key` the signing root's key;
 * `ca-cross.crt`, while a rotation runs, the new root cross-signed by the old one (every leaf the
 * new root signs is presented with it). Every reader (nats-server's `ca_file`, the processes' TLS,
 * the callout, the api) takes `ca.crt` as a bundle. Read again on each use: a rotation rewrites them.
 */

export const CA_CERT = "ca.crt";
export const CA_KEY = "ca.key";
export const CA_CROSS = "ca-cross.crt";

export interface ClusterCa {
  /** The root that signs now (its certificate alone) and its key. */
  signing: CertAndKey;
  digest: string;
  /** Every trusted root, the signing one first. */
  bundle: string;
  /** The cross-signed intermediate of the signing root, while a rotation runs. */
  cross?: string;
}

/** The CA of `keysDir`; its key through `keyring` (wrapped by the unlock key while autolock is on: locked → SWARM_LOCKED). */
export function readCa(keysDir: string | undefined, keyring: Keyring = new Keyring(keysDir)): ClusterCa {
  if (!keysDir) throw unavailable("the secret-store has no keys directory (SWARM_KEYS_DIR): it cannot use the cluster CA");
  try {
    const bundle = readFileSync(join(keysDir, CA_CERT), "utf8");
    const key = keyring.read(CA_KEY);
    if (!key) throw new Error(`no ${join(keysDir, CA_KEY)}`);
    const keyPem = key.toString("utf8");
    const certPem = firstCert(bundle);
    const crossFile = join(keysDir, CA_CROSS);
    const cross = existsSync(crossFile) ? readFileSync(crossFile, "utf8") : undefined;
    return { signing: { certPem, keyPem }, digest: caDigest(certPem), bundle, ...(cross ? { cross } : {}) };
  } catch (err) {
    throw unavailable(`the cluster CA cannot be read from ${keysDir}: ${(err as Error).message}`);
  }
}

/**
 * Makes `next` the signing root, trusted beside the current one, with its cross-signed
 * intermediate. The cross file first and the bundle last, so a reader between two writes either
 * still signs with the old root or finds everything of the new one (a key that does not match the
 * first certificate is refused by the signer, and retried by its caller).
 */
export function installRotation(keysDir: string, next: CertAndKey, cross: string, keyring: Keyring = new Keyring(keysDir)): void {
  const current = readCa(keysDir, keyring);
  if (current.digest === caDigest(next.certPem)) return;
  writeKeyFile(join(keysDir, CA_CROSS), cross);
  keyring.write(CA_KEY, Buffer.from(next.keyPem, "utf8"));
  writeKeyFile(join(keysDir, CA_CERT), trustBundle([next.certPem, current.signing.certPem]));
}

/** Ends a rotation here: only the signing root is trusted, its cross-signed intermediate goes. True when anything changed. */
export function finishRotation(keysDir: string, keyring: Keyring = new Keyring(keysDir)): boolean {
  const current = readCa(keysDir, keyring);
  const multiple = splitCerts(current.bundle).length > 1;
  if (multiple) writeKeyFile(join(keysDir, CA_CERT), current.signing.certPem);
  if (current.cross) rmSync(join(keysDir, CA_CROSS), { force: true });
  return multiple || current.cross !== undefined;
}
