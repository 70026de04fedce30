import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chainPem, isWrapped, issueCert, writeKeyFile } from "../../services/shared/pki/index.js";
import { CA_FILES } from "./node-identity.js";

/*
 * A client bundle for the api's HTTPS port (DESIGN §6): `ca.pem`, `cert.pem`, `key.pem` — the file
 * names the docker CLI reads from DOCKER_CERT_PATH (and `swarm` from SWARM_CERT_PATH). Issued on a
 * manager from its `<dataDir>/keys/` CA, as the launcher issues the api's own certificate: whoever
 * can read that directory (root, 0700) administers the cluster anyway.
 */

/** The OU of a user's certificate: its subject never equals a bus identity's (`CN=<name>` alone), so nats-server maps it to no user. */
export const CLIENT_OU = "swarm-client";
/** A name is what the api records as the actor `cert:<name>`: the token names' rule. */
const NAME = /^[a-zA-Z0-9_.-]{1,63}$/;
export const BUNDLE_FILES = ["ca.pem", "cert.pem", "key.pem"] as const;

export interface ClientBundleOptions {
  /** The manager's data dir (its `keys/` holds the CA). */
  dataDir: string;
  /** Where the three files go (created 0700 when missing). */
  dir: string;
  /** The certificate's CN: the api's actor `cert:<name>`. */
  name: string;
  /** Validity in days. */
  days: number;
}

/** Writes the bundle; refuses (changing nothing) a bad name, an existing file, a missing or locked CA. */
export async function writeClientBundle(o: ClientBundleOptions): Promise<{ files: string[] }> {
  if (!NAME.test(o.name)) throw new Error(`--name: 1 to 63 of a-z A-Z 0-9 _ . - (it names the api's actor cert:<name>), got ${JSON.stringify(o.name)}`);
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 3650) throw new Error(`--days: a whole number of days from 1 to 3650, got ${o.days}`);
  const keys = join(o.dataDir, "keys");
  const caFile = join(keys, CA_FILES.cert);
  const caKeyFile = join(keys, CA_FILES.key);
  if (!existsSync(caFile) || !existsSync(caKeyFile)) {
    throw new Error(`no cluster CA in ${keys}: run this on a manager, with its --data-dir (or SWARM_DATA_DIR)`);
  }
  const files = BUNDLE_FILES.map((f) => join(o.dir, f));
  const taken = files.filter((f) => existsSync(f));
  if (taken.length > 0) throw new Error(`${taken.join(", ")} already exist${taken.length === 1 ? "s" : ""}: remove ${taken.length === 1 ? "it" : "them"} or choose another directory`);
  const caKey = readFileSync(caKeyFile);
  if (isWrapped(caKey)) throw new Error("the cluster CA's key is locked (autolock): turn autolock off (swarm update --autolock=false), make the bundle, then turn it on again");
  const caPem = readFileSync(caFile, "utf8");
  const issued = await issueCert({ ca: { certPem: caPem, keyPem: caKey.toString() }, commonName: o.name, ou: CLIENT_OU, days: o.days });
  // While a root rotation runs, the new root's cross-signed intermediate follows the leaf (as the api's own).
  const cross = join(keys, CA_FILES.cross);
  const certPem = existsSync(cross) ? chainPem(issued.certPem, readFileSync(cross, "utf8")) : issued.certPem;
  if (!existsSync(o.dir)) mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  writeKeyFile(join(o.dir, "key.pem"), issued.keyPem);
  writeFileSync(join(o.dir, "cert.pem"), certPem, { mode: 0o644 });
  writeFileSync(join(o.dir, "ca.pem"), caPem, { mode: 0o644 });
  chmodSync(join(o.dir, "cert.pem"), 0o644);
  return { files };
}
