import { existsSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { chainPem, issueCert, writeKeyFile } from "../../services/shared/pki/index.js";
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

export async function issueApiServerCert(dataDir: string, extraNames: string[]): Promise<ApiTlsFiles> {
  const keys = join(dataDir, "keys");
  const ca = join(keys, CA_FILES.cert);
  const issuer = { certPem: readFileSync(ca, "utf8"), keyPem: readFileSync(join(keys, CA_FILES.key), "utf8") };
  const issued = await issueCert({ ca: issuer, commonName: "swarm-api", ou: "swarm-api", hosts: apiHosts(extraNames), days: 90 });
  const files = { cert: join(keys, "api.crt"), key: join(keys, "api.key"), ca };
  // While a root rotation runs, the new root's cross-signed intermediate follows the leaf.
  const cross = join(keys, CA_FILES.cross);
  writeKeyFile(files.key, issued.keyPem);
  writeKeyFile(files.cert, existsSync(cross) ? chainPem(issued.certPem, readFileSync(cross, "utf8")) : issued.certPem);
  return files;
}
