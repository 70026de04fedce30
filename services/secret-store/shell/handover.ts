import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KeyHandoverRpc, subjects, type KeyHandover } from "../../../schemas/index.js";
import { invalidArgument, notFound, permissionDenied } from "../../shared/errors/index.js";
import { serve } from "../../shared/rpc/index.js";
import { seal } from "../../shared/seal/index.js";
import type { SecretStoreContext } from "./context.js";
import { Keyring } from "./keyring.js";
import { SECRET_STORE_QUEUE } from "./payload-rpc.js";

/*
 * The keys' handover to a manager that joins (DESIGN §6): the KEK, the cluster CA (and, on a secured
 * bus, the auth callout's signing key), sealed to the joiner's ephemeral X25519 key with its node id
 * as context. Decided on this instance's projection, never on the request: the node exists and is
 * a manager (a worker's join never gets keys). The plaintext exists only in this process's memory
 * and the joiner's; the bus (and any trace log of it) carries the sealed bytes.
 */

/** How long a request waits for this instance's projection to reach the node's `NodeJoined`. */
const WAIT_MS = 10_000;

export type HandoverContext = Pick<SecretStoreContext, "nc" | "log" | "informer">;

/** The key files of this manager; undefined when it does not hold the cluster CA (nothing to hand over). */
function readKeys(keysDir: string | undefined, keyring: Keyring): KeyHandover | undefined {
  if (!keysDir) return undefined;
  const files = { kek: join(keysDir, "kek"), caKey: join(keysDir, "ca.key"), caCert: join(keysDir, "ca.crt") };
  if (!Object.values(files).every((f) => existsSync(f))) return undefined;
  // The private keys through the keyring (unwrapped in memory when autolock is on).
  const callout = keyring.read("bus/callout.key");
  const unlockKey = keyring.currentUnlockKey();
  return {
    kek: keyring.read("kek")!.toString("base64"),
    caKey: keyring.read("ca.key")!.toString("utf8"),
    caCert: readFileSync(files.caCert, "utf8"),
    ...(callout ? { calloutKey: callout.toString("utf8") } : {}),
    // With autolock the joiner stores the keys wrapped by the cluster's unlock key (never the key itself).
    ...(unlockKey ? { unlockKey: unlockKey.toString("base64") } : {}),
  };
}

export function serveHandover(ctx: HandoverContext, keysDir: string | undefined, keyring = new Keyring(keysDir)): { stop(): Promise<void> } {
  // Checked once at start (the vault has already loaded or created the KEK): an instance without
  // the CA leaves handovers to those that have it rather than answering them with an error.
  if (!readKeys(keysDir, keyring)) {
    ctx.log.warn("not serving key handovers: this manager does not hold the cluster's keys");
    return { stop: async () => {} };
  }
  return serve(ctx.nc, subjects.secretStoreHandover, KeyHandoverRpc, async (req) => {
    await ctx.informer.waitFor(req.seq, WAIT_MS);
    const node = ctx.informer.state.nodes.get(req.nodeId);
    if (!node) throw notFound(`node ${req.nodeId} is not part of the cluster: no keys`);
    if (node.role !== "manager") throw permissionDenied(`node ${req.nodeId} is a ${node.role}: only a manager receives the cluster's keys`);
    const keys = readKeys(keysDir, keyring)!;
    let sealed: Uint8Array;
    try {
      sealed = seal(req.publicKey, Buffer.from(JSON.stringify(keys)), req.nodeId);
    } catch (err) {
      throw invalidArgument(`publicKey: ${(err as Error).message}`);
    }
    ctx.log.info("keys handed over", { nodeId: node.id });
    return { sealed: Buffer.from(sealed).toString("base64") };
  }, { queue: SECRET_STORE_QUEUE, log: ctx.log });
}
