import type { Msg, NatsConnection } from "@nats-io/transport-node";
import type { z } from "zod";
import {
  KeyringRekeyRpc, KeyringStatusRpc, KeyringUnlockKeyRpc, KeyringUnlockRpc, RpcEnvelope, subjects, type RpcSchemas,
} from "../../../schemas/index.js";
import { errorMessage, SwarmError, unavailable } from "../../shared/errors/index.js";
import { call, requestFailure } from "../../shared/rpc/index.js";
import { newSealKey } from "../../shared/seal/index.js";
import type { AutolockKeys } from "../app/autolock.js";

/*
 * The api's side of autolock's rpcs (DESIGN §6). `unlock` and `rekey` go to every secret-store that
 * should hold the key (no queue group) and collect the answers until none has come for a while:
 * each instance of the keys dir (unlock) or of every manager (rekey) answers once.
 */

/** Answers are collected until none has come for this long, ms. */
const STALL_MS = 1_500;
/** And never longer than this (an unlock opens the vault before it answers), ms. */
const MAX_WAIT_MS = 15_000;

interface Answers<T> { ok: T[]; errors: SwarmError[] }

async function callAll<S extends RpcSchemas>(nc: NatsConnection, subject: string, rpc: S, body: z.input<S["request"]>): Promise<Answers<z.output<S["reply"]>>> {
  const out: Answers<z.output<S["reply"]>> = { ok: [], errors: [] };
  let replies: AsyncIterable<Msg>;
  try {
    replies = await nc.requestMany(subject, JSON.stringify(body), { strategy: "stall", stall: STALL_MS, maxWait: MAX_WAIT_MS });
  } catch (err) {
    throw requestFailure(err, subject, rpc.service, MAX_WAIT_MS);
  }
  try {
    for await (const m of replies) {
      const env = RpcEnvelope.safeParse(m.json());
      if (!env.success) continue;
      if ("error" in env.data) out.errors.push(new SwarmError(env.data.error.code === "invalid_argument" ? "invalid_argument" : "unavailable", env.data.error.message));
      else {
        const r = rpc.reply.safeParse(env.data.reply);
        if (r.success) out.ok.push(r.data as z.output<S["reply"]>);
      }
    }
  } catch (err) {
    // "no responders" ends the iteration with an error: nobody serves this keys dir.
    if (out.ok.length === 0 && out.errors.length === 0) throw requestFailure(err, subject, rpc.service, MAX_WAIT_MS);
  }
  return out;
}

/** The secret-stores of the keys dir `keyringId` (this api's manager), and every one for a rekey. */
export function rpcAutolockKeys(nc: NatsConnection, keyringId: string | undefined): AutolockKeys {
  const id = () => {
    if (!keyringId) throw unavailable("this api has no keys directory (SWARM_KEYS_DIR): it is not a manager's api and cannot reach its keys");
    return keyringId;
  };
  return {
    hasKeyring: keyringId !== undefined,
    status: () => call(nc, subjects.secretStoreKeyring(id(), "status"), KeyringStatusRpc, {}, { timeoutMs: 2_000 }),
    unlock: async (key) => {
      const a = await callAll(nc, subjects.secretStoreKeyring(id(), "unlock"), KeyringUnlockRpc, { key: key.toString("base64") });
      if (a.errors.length > 0) throw a.errors[0]!;
      return a.ok.filter((r) => r.unlocked).length;
    },
    unlockKey: async () => {
      const k = newSealKey();
      const r = await call(nc, subjects.secretStoreKeyring(id(), "unlock-key"), KeyringUnlockKeyRpc, { publicKey: k.publicKey });
      return r.sealed === undefined ? undefined : k.open(Buffer.from(r.sealed, "base64"), "unlock-key");
    },
    rekey: async (key) => {
      const a = await callAll(nc, subjects.secretStoreRekey, KeyringRekeyRpc, key ? { key: key.toString("base64") } : {});
      return { instances: a.ok.length, refused: a.errors.map((e) => errorMessage(e)) };
    },
  };
}
