import { createHmac } from "node:crypto";
import type { KV } from "@nats-io/kv";
import { BUCKETS, ConfigReadRpc, SecretDeleteRpc, SecretPutRpc, subjects } from "../../schemas/index.js";
import { ensureBucket, type NatsConnection } from "../../services/shared/nats/index.js";
import { SwarmError } from "../../services/shared/errors/index.js";
import { serveBytes } from "../../services/shared/rpc/index.js";

/*
 * A stand-in for the secret-store's api-facing rpc (put, delete, read) on a real nats-server, for
 * api tests written before the secret-store existed: it keeps payloads UNENCRYPTED in the real
 * bucket (`swarm-secrets`, key `<kind>.<id>.<version>`), so a test can tell what is stored the
 * same way against the stand-in and the real service. Never for anything but tests.
 */

export interface StandIn {
  /** Every request served, in order: `put secret <id> <version>` etc. */
  calls: string[];
  stop(): Promise<void>;
}

const HMAC_KEY = "stand-in";

export async function startSecretStoreStandIn(nc: NatsConnection): Promise<StandIn> {
  const kv = await ensureBucket(nc, BUCKETS.secrets, { ttlMs: 0 });
  const calls: string[] = [];
  const opts = { queue: "secret-store" };
  const put = serveBytes(nc, subjects.secretStorePut, SecretPutRpc, async ({ meta, data }) => {
    calls.push(`put ${meta.kind} ${meta.id} ${meta.version}`);
    await kv.put(`${meta.kind}.${meta.id}.${meta.version}`, data);
    return { meta: { size: data.length, hmac: createHmac("sha256", HMAC_KEY).update(data).digest("base64") } };
  }, opts);
  const del = serveBytes(nc, subjects.secretStoreDelete, SecretDeleteRpc, async ({ meta }) => {
    calls.push(`delete ${meta.kind} ${meta.id}`);
    for (const key of await keysOf(kv, `${meta.kind}.${meta.id}.`)) await kv.purge(key);
    return { meta: {} };
  }, opts);
  const read = serveBytes(nc, subjects.secretStoreRead, ConfigReadRpc, async ({ meta }) => {
    calls.push(`read config ${meta.id} ${meta.version}`);
    const e = await kv.get(`config.${meta.id}.${meta.version}`);
    if (!e || e.operation !== "PUT") throw new SwarmError("not_found", `config ${meta.id} version ${meta.version} not found`);
    return { meta: { size: e.value.length }, data: e.value };
  }, opts);
  return { calls, stop: async () => { await Promise.all([put.stop(), del.stop(), read.stop()]); } };
}

async function keysOf(kv: KV, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const k of await kv.keys()) if (k.startsWith(prefix)) out.push(k);
  return out;
}

/** Keys in `swarm-secrets` that name `id` (whatever the store's key layout, an id is in its keys). */
export async function storedKeysOf(nc: NatsConnection, id: string): Promise<string[]> {
  const kv = await ensureBucket(nc, BUCKETS.secrets, { ttlMs: 0 });
  const out: string[] = [];
  for await (const k of await kv.keys()) if (k.includes(id)) out.push(k);
  return out.sort();
}

/** Every key in `swarm-secrets`. */
export async function storedKeys(nc: NatsConnection): Promise<string[]> {
  return storedKeysOf(nc, "");
}
