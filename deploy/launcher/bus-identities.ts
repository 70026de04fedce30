import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUS_IDENTITIES, SYSTEM_IDENTITIES, type BusIdentity } from "../../schemas/bus-permissions.js";
import { chainPem, finishIdentityUpdate, firstCert, isWrapped, issueCert, verifyCert, writeIdentity, writeKeyFile, type CertAndKey } from "../../services/shared/pki/index.js";
import { CA_FILES, nodeIdentityDir } from "./node-identity.js";
import { newAccountSigner, signerFromPem, type NatsTls } from "../../services/shared/nats/index.js";
import type { ServerTlsFiles } from "./nats-security.js";

/*
 * The certificates of the bus on a manager (DESIGN §6): the nats-server's (for the addresses
 * clients dial) and one per static identity of schemas/bus-permissions.ts, all from the cluster
 * CA in `<keysDir>/ca.*`, kept in `<keysDir>/bus/` (keys 0600, directory 0700). Each is issued
 * once and again only when it is not of the signing root (a root rotation) or has less than a
 * third of its life left — at every launcher start, and hourly while it runs
 * (`keepBusCertificatesFresh`) — so restarts keep the files the running processes read. A renewed
 * pair is swapped in as one (`writeIdentity`); nats.js reads the files at each connect, so a
 * process's next reconnect uses it (its live connection, a certificate-mapped user with no expiry
 * of its own, needs none), and the nats-server reloads its own on SIGHUP.
 */

/** Validity of a bus certificate. */
const DAYS = 365;

export interface BusCertificates {
  server: ServerTlsFiles;
  /** The account nkey that signs the auth callout's answers (the server config names it as issuer). */
  calloutIssuer: string;
  /** The files of one static identity (`svc-<service>`, `svc-agent`, `admin`, …). */
  identity(name: BusIdentity): NatsTls;
  /** The certificates (re)issued by this call (`nats-server`, identity names). */
  renewed: string[];
}

/**
 * The cluster CA in `keysDir` (node-identity.ts's `ensureClusterCa` creates it first): the signing
 * root (the first of the `ca.crt` bundle) and its key — undefined while it is wrapped by the unlock
 * key (autolock), when only the certificate can be used — and, while a root rotation runs, the new
 * root's cross-signed intermediate, presented after every leaf (a peer still trusting only the old
 * root accepts it).
 */
function loadClusterCa(keysDir: string): { certPem: string; keyPem?: string; chain: string } {
  const crt = join(keysDir, CA_FILES.cert);
  const key = join(keysDir, CA_FILES.key);
  if (!existsSync(crt) || !existsSync(key)) throw new Error(`${keysDir} holds no cluster CA (${CA_FILES.cert}, ${CA_FILES.key})`);
  const cross = join(keysDir, CA_FILES.cross);
  const raw = readFileSync(key);
  return {
    certPem: firstCert(readFileSync(crt, "utf8")), ...(isWrapped(raw) ? {} : { keyPem: raw.toString("utf8") }),
    chain: existsSync(cross) ? readFileSync(cross, "utf8") : "",
  };
}

/**
 * The bus identity of a node's agent: its own node certificate (`<dataDir>/node/`, admitted by the
 * auth callout with that node's subjects only), or, for a data dir from before node certificates,
 * the shared static `svc-agent` identity of a manager's certificates.
 */
export function agentIdentity(dataDir: string, bus?: Pick<BusCertificates, "identity">): NatsTls {
  const dir = nodeIdentityDir(dataDir);
  const own = { cert: join(dir, "node.crt"), key: join(dir, "node.key"), ca: join(dir, "ca.crt") };
  if (existsSync(own.cert) && existsSync(own.key) && existsSync(own.ca)) return own;
  if (bus) return bus.identity("svc-agent");
  throw new Error(`${dir} holds no node certificate: the node cannot connect to a secured bus (join again, or run with --insecure)`);
}

/** True when the certificate at `path` is from `ca` (the signing root) and has at least `share` of its life ahead (0: still valid). */
function fresh(path: string, ca: { certPem: string }, now: Date, share = 1 / 3): boolean {
  if (!existsSync(path)) return false;
  try {
    const id = verifyCert(readFileSync(path, "utf8"), [ca.certPem], now);
    return id.notAfter.getTime() - now.getTime() > DAYS * 86400_000 * share;
  } catch {
    return false;
  }
}

async function ensureCert(
  dir: string, name: string, ca: { certPem: string; keyPem?: string; chain: string }, p: { commonName: string; hosts?: string[] }, now: Date, renewed: string[],
): Promise<NatsTls> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`), ca: join(dir, "..", "ca.crt") };
  finishIdentityUpdate(files); // a swap a crash interrupted
  if (!fresh(files.cert, ca, now) || !existsSync(files.key)) {
    if (ca.keyPem === undefined) {
      // Autolock: the CA's key is wrapped; a certificate still valid is kept until the swarm is unlocked and restarted.
      if (existsSync(files.key) && fresh(files.cert, ca, now, 0)) return files;
      throw new Error(`the bus certificate ${files.cert} must be issued again but the cluster CA's key is locked (autolock): turn autolock off (swarm update --autolock=false) on a running manager, restart, then turn it on again`);
    }
    const issued = await issueCert({ ca: { certPem: ca.certPem, keyPem: ca.keyPem }, commonName: p.commonName, days: DAYS, ...(p.hosts ? { hosts: p.hosts } : {}) });
    writeIdentity(files, { certPem: chainPem(issued.certPem, ca.chain), keyPem: issued.keyPem });
    renewed.push(name);
  }
  return files;
}

/**
 * The callout's signing key (`callout.key`, ed25519, read by the secret-store through its keys
 * dir), created once; returns its public nkey, also kept in `callout.pub` (the key itself is
 * wrapped while autolock is on, and the server's config needs the public half at every start).
 */
function ensureCalloutKey(dir: string): string {
  const file = join(dir, "callout.key");
  const pub = join(dir, "callout.pub");
  if (existsSync(file)) {
    const raw = readFileSync(file);
    if (!isWrapped(raw)) {
      const publicKey = signerFromPem(raw.toString("utf8")).publicKey;
      if (!existsSync(pub)) writeFileSync(pub, `${publicKey}\n`);
      return publicKey;
    }
    if (!existsSync(pub)) throw new Error(`${file} is wrapped (autolock) and ${pub} is missing: the bus cannot name its auth callout's issuer`);
    return readFileSync(pub, "utf8").trim();
  }
  const signer = newAccountSigner();
  writeKeyFile(file, signer.pem);
  writeFileSync(pub, `${signer.publicKey}\n`);
  return signer.publicKey;
}

/**
 * Makes sure the CA, the server's certificate (valid for `hosts`: the addresses clients dial)
 * and every static identity's exist and are current.
 */
export async function ensureBusCertificates(keysDir: string, hosts: string[], now = new Date(), unlockedCa?: CertAndKey): Promise<BusCertificates> {
  const ca = unlockedCa ? { ...unlockedCa, chain: "" } : loadClusterCa(keysDir);
  const dir = join(keysDir, "bus");
  const renewed: string[] = [];
  const server = await ensureCert(dir, "nats-server", ca, { commonName: "nats-server", hosts }, now, renewed);
  const ids = new Map<string, NatsTls>();
  for (const name of [...Object.keys(BUS_IDENTITIES), ...SYSTEM_IDENTITIES]) ids.set(name, await ensureCert(dir, name, ca, { commonName: name }, now, renewed));
  return {
    server, renewed,
    calloutIssuer: ensureCalloutKey(dir),
    identity: (name) => {
      const files = ids.get(name);
      if (!files) throw new Error(`no bus identity ${name}`);
      return files;
    },
  };
}

/**
 * Checks the bus certificates every `everyMs` (default an hour) while the launcher runs and renews
 * those with less than a third of their life left; `onServerRenewed` is called when the
 * nats-server's own was (the launcher makes it reload). Errors are reported, not thrown.
 */
export function keepBusCertificatesFresh(p: {
  keysDir: string; hosts: string[]; everyMs?: number; now?: () => Date;
  onRenewed?: (names: string[]) => void; onError?: (err: unknown) => void;
}): { stop(): void } {
  const timer = setInterval(() => {
    ensureBusCertificates(p.keysDir, p.hosts, p.now?.() ?? new Date())
      .then((b) => { if (b.renewed.length) p.onRenewed?.(b.renewed); })
      .catch((err: unknown) => p.onError?.(err));
  }, p.everyMs ?? 3600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
