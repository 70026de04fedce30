import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KeyHandover } from "../../schemas/rpc.js";
import { wrapKey, writeKeyFile, type CertAndKey } from "../../services/shared/pki/index.js";
import { signerFromPem } from "../../services/shared/nats/index.js";
import type { SealKey } from "../../services/shared/seal/index.js";
import { CA_FILES } from "./node-identity.js";
import { apiListen } from "./api-listen.js";
import { assertPortFree } from "./embedded-nats.js";

/*
 * The joiner's side of the keys' handover (DESIGN §6): a manager joining sends an ephemeral X25519
 * public key with its join request; the answer carries the cluster's keys sealed to it with the
 * node id as context. They are opened here and written to `<dataDir>/keys/` (0600, dir 0700)
 * before this host's control plane starts, so its secret-store opens the cluster's bucket, signs
 * with the cluster's CA and answers the bus's auth callout with the key the server trusts.
 */

export const KEK_FILE = "kek";
/** Where the auth callout's key lives (services/secret-store/shell/auth-callout.ts `calloutKeyFile`). */
const CALLOUT_FILE = join("bus", "callout.key");

/**
 * Opens the sealed keys (base64) and writes them; throws naming what is wrong, writing nothing, when
 * they do not open. With autolock on (the handover carries the unlock key) the private keys are
 * written wrapped by it — the unlock key itself is not written — and the CA is returned in memory,
 * for this first start's certificates.
 */
export function saveHandedKeys(keysDir: string, key: SealKey, sealed: string, nodeId: string): CertAndKey | undefined {
  let keys: KeyHandover;
  try {
    keys = KeyHandover.parse(JSON.parse(key.open(Buffer.from(sealed, "base64"), nodeId).toString("utf8")));
  } catch (err) {
    throw new Error(`the manager's key handover does not open with this node's key: ${(err as Error).message}`);
  }
  const kek = Buffer.from(keys.kek, "base64");
  if (kek.length !== 32) throw new Error(`the handed-over KEK is ${kek.length} bytes, not 32`);
  const unlockKey = keys.unlockKey === undefined ? undefined : Buffer.from(keys.unlockKey, "base64");
  // Each file under its own name as the AAD (services/secret-store/shell/keyring.ts opens them so).
  const at = (name: string, plaintext: string | Buffer) =>
    writeKeyFile(join(keysDir, name), unlockKey ? wrapKey(unlockKey, Buffer.from(plaintext), name) : plaintext);
  at(KEK_FILE, kek);
  at(CA_FILES.key, keys.caKey);
  writeKeyFile(join(keysDir, CA_FILES.cert), keys.caCert);
  if (keys.calloutKey) {
    at(CALLOUT_FILE, keys.calloutKey);
    writeFileSync(join(keysDir, "bus", "callout.pub"), `${signerFromPem(keys.calloutKey).publicKey}\n`);
  }
  return unlockKey ? { certPem: keys.caCert, keyPem: keys.caKey } : undefined;
}

/** This manager holds the cluster CA (handed over at its join): it can issue its own bus certificates. */
export function holdsClusterCa(keysDir: string): boolean {
  return existsSync(join(keysDir, CA_FILES.key)) && existsSync(join(keysDir, CA_FILES.cert));
}

/**
 * The api listeners of a joined manager: its socket always; HTTPS on `127.0.0.1:<port>` with a
 * server certificate from the handed-over CA when it holds the CA and the port is free (another
 * manager on the same host may hold the default one: then the socket only, and said so).
 */
export async function joinedApiListen(
  dataDir: string, port: number, say: (msg: string) => void, unlockedCa?: CertAndKey,
): Promise<{ env: Record<string, string>; socketUrl: string; url?: string; caFile?: string; reissue(): Promise<void> }> {
  const socket = join(dataDir, "api.sock");
  const socketOnly = { env: { SWARM_API_ADDR: "none", SWARM_API_SOCKET: socket }, socketUrl: `unix://${socket}`, reissue: async () => {} };
  if (!holdsClusterCa(join(dataDir, "keys"))) return socketOnly;
  try {
    await assertPortFree(port, "this manager's api", "--api-port");
  } catch (err) {
    say(`${(err as Error).message}: this manager's api listens on its socket only`);
    return socketOnly;
  }
  const l = await apiListen({ dataDir, addr: `127.0.0.1:${port}`, ...(unlockedCa ? { unlockedCa } : {}) });
  return { env: l.env, socketUrl: l.socketUrl, url: l.url, ...(l.caFile ? { caFile: l.caFile } : {}), reissue: l.reissue };
}
