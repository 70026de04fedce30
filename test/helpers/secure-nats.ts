import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { singleServerConfig } from "../../deploy/launcher/nats-security.js";
import { freePort, startNatsServer, type NatsServerHandle } from "../../deploy/launcher/nats-server.js";
import { newAccountSigner, type NatsTls } from "../../services/shared/nats/index.js";

/*
 * A real nats-server with the bus security of `swarm up` (mutual TLS, certificate-mapped users
 * with the permission table), and certificates for the tests' clients. Certificates are made with
 * the openssl command line, independently of the code under test, so a test can also make a wrong
 * CA, an expired certificate, or a subject of its choice.
 */

const openssl = (dir: string, args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });

/** A CA (P-256) in `dir`: `<name>.crt`, `<name>.key`. */
export function makeCa(dir: string, name: string): void {
  openssl(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`]);
  openssl(dir, ["req", "-x509", "-new", "-key", `${name}.key`, "-subj", "/CN=swarm-ca", "-days", "30", "-out", `${name}.crt`]);
}

export interface IssueOptions {
  /** `/O=…/OU=…/CN=…`. */
  subject: string;
  /** SANs, e.g. `IP:127.0.0.1`. Default none. */
  san?: string;
  /** Issuing CA's base name in the same dir. Default `ca`. */
  ca?: string;
  /** Validity window. Default: from an hour ago to 5 days from now. */
  notBefore?: Date;
  notAfter?: Date;
}

/** openssl's GeneralizedTime form, `YYYYMMDDHHMMSSZ`. */
const asn1Time = (d: Date) => d.toISOString().replace(/[-:T]/g, "").replace(/\.\d+Z$/, "Z");

/** A key and certificate `<name>.key`, `<name>.crt` in `dir`, signed by the CA of the same dir. */
export function issue(dir: string, name: string, o: IssueOptions): NatsTls {
  const ca = o.ca ?? "ca";
  openssl(dir, ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`]);
  openssl(dir, ["req", "-new", "-key", `${name}.key`, "-subj", o.subject, "-out", `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), `${o.san ? `subjectAltName=${o.san}\n` : ""}extendedKeyUsage=serverAuth,clientAuth\n`);
  // `openssl ca` rather than `x509 -req`: it takes explicit dates (an expired certificate).
  writeFileSync(join(dir, `${name}.index`), "");
  writeFileSync(join(dir, `${name}.cnf`), [
    "[ca]", "default_ca=c", "[c]", `database=${name}.index`, "new_certs_dir=.", "default_md=sha256", "policy=p",
    `serial=${name}.serial`, "unique_subject=no", "[p]", "commonName=supplied", "",
  ].join("\n"));
  writeFileSync(join(dir, `${name}.serial`), `${randomBytes(8).toString("hex")}\n`);
  const notBefore = o.notBefore ?? new Date(Date.now() - 3600_000);
  const notAfter = o.notAfter ?? new Date(Date.now() + 5 * 86400_000);
  openssl(dir, ["ca", "-batch", "-config", `${name}.cnf`, "-cert", `${ca}.crt`, "-keyfile", `${ca}.key`, "-in", `${name}.csr`,
    "-out", `${name}.crt`, "-extfile", `${name}.ext`, "-notext", "-preserveDN", "-startdate", asn1Time(notBefore), "-enddate", asn1Time(notAfter)]);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`), ca: join(dir, `${ca}.crt`) };
}

export interface SecureNats extends NatsServerHandle {
  dataDir: string;
  /**
   * Where the certificates are; `ca.crt` signs them all. Laid out as a manager's keys dir
   * (`ca.crt`, `ca.key`, `bus/callout.key`, `bus/sys-secret-store.*`): the secret-store's
   * `SWARM_KEYS_DIR`.
   */
  certDir: string;
  /** A client identity with subject `CN=<cn>` (or `subject`), issued by the cluster CA. */
  identity(cn: string, opts?: Partial<IssueOptions>): NatsTls;
  cleanup(): Promise<void>;
}

/**
 * A secured nats-server on a free loopback port with a temp store and its own CA; with `callout`,
 * worker certificates go to an auth callout (whose key and system identity are in `certDir`).
 */
export async function secureTestNats(opts: { callout?: boolean } = {}): Promise<SecureNats> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-securenats-"));
  const certDir = join(dataDir, "keys");
  mkdirSync(join(certDir, "bus"), { recursive: true });
  makeCa(certDir, "ca");
  const server = issue(certDir, "server", { subject: "/CN=nats-server", san: "IP:127.0.0.1,DNS:localhost" });
  let calloutIssuer: string | undefined;
  if (opts.callout) {
    const signer = newAccountSigner();
    writeFileSync(join(certDir, "bus", "callout.key"), signer.pem, { mode: 0o600 });
    calloutIssuer = signer.publicKey;
    issue(certDir, "bus/sys-secret-store", { subject: "/CN=sys-secret-store" });
  }
  const port = await freePort();
  const configFile = join(dataDir, "nats.conf");
  writeFileSync(configFile, singleServerConfig({
    serverName: `jetswarm-${port}`, host: "127.0.0.1", port, storeDir: join(dataDir, "jetstream"), tls: server, ...(calloutIssuer ? { calloutIssuer } : {}),
  }));
  const h = await startNatsServer({ dataDir, port, configFile, logFile: join(dataDir, "nats.log") });
  let n = 0;
  return {
    ...h,
    dataDir,
    certDir,
    identity: (cn, opts = {}) => issue(certDir, `client-${++n}`, { subject: `/CN=${cn}`, ...opts }),
    cleanup: async () => {
      await h.stop();
      if (!process.env.JETSWARM_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
