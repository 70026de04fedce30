import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { requestApi } from "../../cli/http-request.js";
import { caDigest, createRootCa, parseJoinToken, verifyCert, writeKeyFile } from "../../services/shared/pki/index.js";

/*
 * Key material on disk (DESIGN §6): the cluster CA in a manager's `<dataDir>/keys/` (created by
 * the first `swarm up`), a node's own identity in `<dataDir>/node/` (`node.crt`, `node.key`,
 * `ca.crt`; every file 0600, directories 0700).
 */

/** `ca.crt` is a bundle while a root rotation runs (signing root first); `ca-cross.crt` the new root cross-signed by the old. */
export const CA_FILES = { cert: "ca.crt", key: "ca.key", cross: "ca-cross.crt" } as const;

/** Creates the cluster's root CA in `keysDir` unless it is there; a half-present CA is refused, never replaced. */
export async function ensureClusterCa(keysDir: string): Promise<{ created: boolean }> {
  const cert = join(keysDir, CA_FILES.cert);
  const key = join(keysDir, CA_FILES.key);
  const has = [existsSync(cert), existsSync(key)];
  if (has[0] && has[1]) return { created: false };
  if (has[0] || has[1]) {
    throw new Error(`${has[0] ? key : cert} is missing but ${has[0] ? cert : key} exists: the cluster CA is incomplete (restore it from a backup; a new CA would not match the cluster's)`);
  }
  const ca = await createRootCa();
  writeKeyFile(key, ca.keyPem);
  writeKeyFile(cert, ca.certPem);
  return { created: true };
}

export function nodeIdentityDir(dataDir: string): string {
  return join(dataDir, "node");
}

/**
 * Keeps the node's certificate, key and CA once the certificate checks out: signed by that CA, CN =
 * the node's id (a manager that answered with another node's certificate is not believed).
 */
export function saveNodeIdentity(dataDir: string, nodeId: string, id: { certPem: string; keyPem: string; caPem: string }): void {
  const who = verifyCert(id.certPem, [id.caPem]);
  if (who.commonName !== nodeId) throw new Error(`the manager returned a certificate for ${who.commonName}, not for this node (${nodeId})`);
  const dir = nodeIdentityDir(dataDir);
  writeKeyFile(join(dir, "node.key"), id.keyPem);
  writeKeyFile(join(dir, "node.crt"), id.certPem);
  writeKeyFile(join(dir, "ca.crt"), id.caPem);
}

/**
 * The manager's CA certificate, trusted only if its digest is the one in the join token (no trust
 * on first use): a mismatch means a wrong token or someone else's manager, and aborts the join.
 */
export async function fetchTrustedCa(api: URL, token: string): Promise<string> {
  const parsed = parseJoinToken(token);
  if (!parsed) throw new Error("invalid join token: expected SWMTKN-1-<50 base-36 characters>-<25 base-36 characters>");
  // Unverified on purpose: the answer is trusted only if its digest is the token's (checked below).
  const res = await requestApi(api.origin, "/jetswarm/ca", { method: "GET" }, { insecureSkipVerify: true })
    .catch((err: unknown) => { throw new Error(`cannot reach the manager at ${api.origin}: ${(err as Error).message}`); });
  const body = (await res.json().catch(() => ({}))) as { CACert?: string; message?: string };
  if (!res.ok || !body.CACert) throw new Error(`cannot get the cluster's CA certificate from ${api.origin}: ${body.message ?? `HTTP ${res.status}`}`);
  const actual = caDigest(body.CACert);
  if (actual !== parsed.digest) {
    throw new Error(`the manager at ${api.origin} presented a CA certificate whose digest (${actual}) is not the join token's (${parsed.digest}): `
      + "refusing to join (a wrong token, or not this cluster's manager)");
  }
  return body.CACert;
}

export function readNodeCa(dataDir: string): string | undefined {
  const file = join(nodeIdentityDir(dataDir), "ca.crt");
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}
