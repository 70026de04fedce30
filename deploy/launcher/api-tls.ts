import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { chainPem, isWrapped, issueCert, verifyCert, writeKeyFile } from "../../services/shared/pki/index.js";
import { CA_FILES } from "./node-identity.js";

/*
 * The api's TLS material for `swarm up` (DESIGN §6): a server certificate from the cluster's CA
 * (`<dataDir>/keys/ca.crt`, `ca.key`, made before by `ensureClusterCa`), issued at every start for
 * 127.0.0.1, ::1, localhost, the host name and the api's own names, kept beside the CA as
 * `api.crt`/`api.key` (0600).
 */

export interface ApiTlsFiles { cert: string; key: string; ca: string }

/** The names the api's certificate holds: loopback, the host name, and `extra` (its listen host, `--api-host-names`). */
export function apiHosts(extra: string[]): string[] {
  const wildcard = new Set(["", "0.0.0.0", "::"]);
  return [...new Set(["127.0.0.1", "::1", "localhost", hostname(), ...extra.filter((n) => !wildcard.has(n))])];
}

/**
 * `unlockedCa`: the CA in memory when its file is wrapped (a manager joining an autolocked
 * cluster). With the CA's key wrapped and no CA given, the certificate of the last start is kept
 * while it is valid (autolock: the launcher never holds the unlock key).
 */
export async function issueApiServerCert(dataDir: string, extraNames: string[], unlockedCa?: { keyPem: string }): Promise<ApiTlsFiles> {
  const keys = join(dataDir, "keys");
  const ca = join(keys, CA_FILES.cert);
  const files = { cert: join(keys, "api.crt"), key: join(keys, "api.key"), ca };
  const caKey = unlockedCa?.keyPem ?? readFileSync(join(keys, CA_FILES.key));
  if (typeof caKey !== "string" && isWrapped(caKey)) {
    const certPem = existsSync(files.cert) && existsSync(files.key) ? readFileSync(files.cert, "utf8") : undefined;
    if (certPem && validFor(certPem, readFileSync(ca, "utf8"))) return files;
    throw new Error(`the api's certificate ${files.cert} must be issued again but the cluster CA's key is locked (autolock): turn autolock off on a running manager, restart, then turn it on again`);
  }
  const issuer = { certPem: readFileSync(ca, "utf8"), keyPem: caKey.toString() };
  const issued = await issueCert({ ca: issuer, commonName: "swarm-api", ou: "swarm-api", hosts: apiHosts(extraNames), days: 90 });
  // While a root rotation runs, the new root's cross-signed intermediate follows the leaf.
  const cross = join(keys, CA_FILES.cross);
  writeKeyFile(files.key, issued.keyPem);
  writeKeyFile(files.cert, existsSync(cross) ? chainPem(issued.certPem, readFileSync(cross, "utf8")) : issued.certPem);
  return files;
}

/** The certificate chains to the CA and has at least a day left. */
function validFor(certPem: string, caPem: string): boolean {
  try {
    return verifyCert(certPem, [caPem]).notAfter.getTime() - Date.now() > 86400_000;
  } catch {
    return false;
  }
}
