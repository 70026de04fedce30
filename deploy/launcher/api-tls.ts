import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/*
 * The api's TLS material for `swarm up` (DESIGN §6): a server certificate from the cluster's CA
 * (`<dataDir>/keys/ca.crt`, `ca.key`), issued at every start (SANs 127.0.0.1, ::1, localhost, the
 * host name and the api's extra names), kept beside it as `api.crt`/`api.key` (0600).
 *
 * Interim: certificates are made with the `openssl` command until services/shared/pki (h-pki)
 * provides `issueCert`; when the CA does not exist yet, one is created here in the layout the
 * contract fixes (ECDSA P-256, CN swarm-ca, 20 years, key PKCS#8 PEM 0600 in a 0700 directory).
 */

export interface ApiTlsFiles { cert: string; key: string; ca: string }

function openssl(args: string[]): void {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl ${args[0]} failed: ${stderr || (err as Error).message}`);
  }
}

function newKey(path: string): void {
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]);
  chmodSync(path, 0o600);
}

/** The cluster's root CA, created when the data dir has none. */
export function ensureClusterCa(keysDir: string): { cert: string; key: string } {
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  chmodSync(keysDir, 0o700);
  const cert = join(keysDir, "ca.crt");
  const key = join(keysDir, "ca.key");
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  newKey(key);
  openssl(["req", "-x509", "-new", "-key", key, "-subj", "/CN=swarm-ca", "-days", "7300", "-out", cert,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  return { cert, key };
}

/** Which names the api's certificate must hold: loopback, the host name, and `extra` (`--api-host-names`, the listen address). */
export function apiSans(extra: string[]): string[] {
  const names = new Set(["IP:127.0.0.1", "IP:::1", "DNS:localhost", `DNS:${hostname()}`]);
  for (const n of extra) if (n && n !== "0.0.0.0" && n !== "::") names.add(/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`);
  return [...names];
}

/** Issues `name.crt`/`name.key` in `keysDir` from the cluster CA for `sans`, valid `days`. */
export function issueFromCa(keysDir: string, name: string, cn: string, sans: string[], usage: "serverAuth" | "clientAuth", days = 90): ApiTlsFiles {
  const ca = ensureClusterCa(keysDir);
  const cert = join(keysDir, `${name}.crt`);
  const key = join(keysDir, `${name}.key`);
  const tmp = mkdtempSync(join(keysDir, ".issue-"));
  try {
    newKey(key);
    const csr = join(tmp, "req.csr");
    const ext = join(tmp, "ext.cnf");
    openssl(["req", "-new", "-key", key, "-subj", `/CN=${cn}`, "-out", csr]);
    writeFileSync(ext, `${sans.length ? `subjectAltName=${sans.join(",")}\n` : ""}extendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\n`);
    openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-CAserial", join(tmp, "serial"),
      "-days", String(days), "-extfile", ext, "-out", cert]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { cert, key, ca: ca.cert };
}

/** The api's server certificate for this start. */
export function issueApiServerCert(dataDir: string, extraNames: string[]): ApiTlsFiles {
  return issueFromCa(join(dataDir, "keys"), "api", "swarm-api", apiSans(extraNames), "serverAuth");
}

/** PEM text of a file (for clients that trust the CA). */
export const pem = (path: string): string => readFileSync(path, "utf8");
