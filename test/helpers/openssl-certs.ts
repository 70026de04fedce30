import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/*
 * Certificates made with the `openssl` command, for tests that need what the cluster's own CA code
 * (services/shared/pki) refuses to make: an already expired certificate (`days` -1), a CA that is
 * not the cluster's. Same layout as the launcher's: `<keysDir>/ca.crt`, `ca.key`, `<name>.crt/.key`.
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

/** Issues `name.crt`/`name.key` in `keysDir` from the cluster CA for `sans`, valid `days`. */
export function issueFromCa(keysDir: string, name: string, cn: string, sans: string[], usage: "serverAuth" | "clientAuth", days = 90, ou?: string): ApiTlsFiles {
  const ca = ensureClusterCa(keysDir);
  const cert = join(keysDir, `${name}.crt`);
  const key = join(keysDir, `${name}.key`);
  const tmp = mkdtempSync(join(keysDir, ".issue-"));
  try {
    newKey(key);
    const csr = join(tmp, "req.csr");
    const ext = join(tmp, "ext.cnf");
    openssl(["req", "-new", "-key", key, "-subj", `${ou ? `/OU=${ou}` : ""}/CN=${cn}`, "-out", csr]);
    writeFileSync(ext, `${sans.length ? `subjectAltName=${sans.join(",")}\n` : ""}extendedKeyUsage=${usage}\nbasicConstraints=CA:FALSE\n`);
    openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-CAserial", join(tmp, "serial"),
      "-days", String(days), "-extfile", ext, "-out", cert]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { cert, key, ca: ca.cert };
}

