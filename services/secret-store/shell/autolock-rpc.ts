import type { NatsConnection } from "@nats-io/transport-node";
import { KeyringRekeyRpc, KeyringStatusRpc, KeyringUnlockKeyRpc, KeyringUnlockRpc, subjects } from "../../../schemas/index.js";
import { errorMessage, invalidArgument, SwarmError } from "../../shared/errors/index.js";
import { serve } from "../../shared/rpc/index.js";
import { newSealKey, seal } from "../../shared/seal/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { keyringId } from "../../shared/pki/index.js";
import type { Keyring } from "./keyring.js";
import { SECRET_STORE_QUEUE } from "./payload-rpc.js";

/*
 * Autolock's rpcs (DESIGN §6). Served from the start, locked or not: they are how the unlock key
 * reaches this process (from `swarm unlock` through the api, over the mutual-TLS bus — never an
 * environment variable, argv or a file). `unlock` and `rekey` have no queue group: every instance
 * sharing the keys dir (and, for rekey, every manager's) must hold the same key.
 */

export interface AutolockRpcDeps {
  nc: NatsConnection;
  log: Logger;
  keyring: Keyring;
  /** Starts serving the keys' users (vault, CA, callout, handover) once unlocked; resolves when they serve. */
  onUnlocked: () => Promise<void>;
}

export function serveAutolock(d: AutolockRpcDeps): { stop(): Promise<void> } {
  if (!d.keyring.keysDir) return { stop: async () => {} };
  const id = keyringId(d.keyring.keysDir);
  const opts = { log: d.log };
  const handlers = [
    serve(d.nc, subjects.secretStoreKeyring(id, "status"), KeyringStatusRpc,
      () => ({ locked: d.keyring.locked, autolock: d.keyring.autolocked }), { ...opts, queue: SECRET_STORE_QUEUE }),
    serve(d.nc, subjects.secretStoreKeyring(id, "unlock"), KeyringUnlockRpc, async (req) => {
      if (!d.keyring.locked) return { unlocked: false };
      d.keyring.unlock(Buffer.from(req.key, "base64"));
      d.log.info("unlocked: serving the keys");
      await d.onUnlocked();
      return { unlocked: true };
    }, opts),
    serve(d.nc, subjects.secretStoreKeyring(id, "unlock-key"), KeyringUnlockKeyRpc, (req) => {
      const key = d.keyring.currentUnlockKey();
      if (!key) return {};
      try {
        return { sealed: Buffer.from(seal(req.publicKey, key, "unlock-key")).toString("base64") };
      } catch (err) {
        throw invalidArgument(`publicKey: ${(err as Error).message}`);
      }
    }, { ...opts, queue: SECRET_STORE_QUEUE }),
    // A sibling of the same keys dir that restarted alone (a crash, not a restart of the manager)
    // gets the key from an unlocked one, sealed to its own key: only a whole manager restart locks.
    serve(d.nc, subjects.secretStoreKeyring(id, "sibling"), KeyringUnlockKeyRpc, (req) => {
      const key = d.keyring.currentUnlockKey();
      if (!key) throw new SwarmError("unavailable", "this instance is locked too");
      return { sealed: Buffer.from(seal(req.publicKey, key, "sibling")).toString("base64") };
    }, opts),
    serve(d.nc, subjects.secretStoreRekey, KeyringRekeyRpc, (req) => {
      const files = d.keyring.rekey(req.key === undefined ? undefined : Buffer.from(req.key, "base64"));
      d.log.info(req.key === undefined ? "autolock off: keys stored unwrapped" : "keys wrapped with the unlock key", { files });
      return { files };
    }, opts),
  ];
  return { stop: async () => { for (const h of handlers) await h.stop(); } };
}

/**
 * At the start of a locked instance: asks the unlocked siblings of its keys dir for the key (each
 * answers, the locked ones with an error). True when it got one that opens the keys.
 */
export async function unlockFromSibling(d: Pick<AutolockRpcDeps, "nc" | "log" | "keyring">): Promise<boolean> {
  if (!d.keyring.keysDir || !d.keyring.locked) return false;
  const k = newSealKey();
  const subject = subjects.secretStoreKeyring(keyringId(d.keyring.keysDir), "sibling");
  try {
    const replies = await d.nc.requestMany(subject, JSON.stringify({ publicKey: k.publicKey }), { strategy: "stall", stall: 500, maxWait: 2_000 });
    for await (const m of replies) {
      const env = m.json<{ reply?: { sealed?: string } }>();
      if (!env.reply?.sealed) continue;
      d.keyring.unlock(k.open(Buffer.from(env.reply.sealed, "base64"), "sibling"));
      d.log.info("unlocked by a running sibling of this keys dir");
      return true;
    }
  } catch (err) {
    d.log.debug("no unlocked sibling", { err: errorMessage(err) });
  }
  return false;
}
