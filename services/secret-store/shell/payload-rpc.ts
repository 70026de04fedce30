import { ConfigReadRpc, SecretDeleteRpc, SecretPutRpc, subjects, type SecretKind } from "../../../schemas/index.js";
import { invalidArgument, notFound, permissionDenied } from "../../shared/errors/index.js";
import { serveBytes } from "../../shared/rpc/index.js";
import type { SecretStoreContext } from "./context.js";

/*
 * api → secret-store: store a payload version, delete every version of one id, read a config's
 * payload (`config inspect`). Served in queue group `secret-store`: one instance answers each.
 */

export const SECRET_STORE_QUEUE = "secret-store";

/** Swarm's limits (swarmkit's validateSecretSpec / validateConfigSpec): checked here too, whatever the caller checked. */
export const MAX_PAYLOAD: Record<SecretKind, number> = { secret: 500 * 1024, config: 1000 * 1024 };

export function checkPayloadSize(kind: SecretKind, size: number): void {
  const max = MAX_PAYLOAD[kind];
  if (size === 0 || size >= max) throw invalidArgument(`${kind} data must be larger than 0 and less than ${max / 1024} KiB`);
}

export function servePayloadRpc(ctx: SecretStoreContext): { stop(): Promise<void> } {
  const opts = { queue: SECRET_STORE_QUEUE, log: ctx.log };
  const put = serveBytes(ctx.nc, subjects.secretStorePut, SecretPutRpc, async ({ meta, data }) => {
    checkPayloadSize(meta.kind, data.length);
    const out = await ctx.vault.put({ kind: meta.kind, id: meta.id, version: meta.version }, data);
    ctx.log.info("payload stored", { kind: meta.kind, id: meta.id, version: meta.version, size: out.size });
    return { meta: out };
  }, opts);
  const del = serveBytes(ctx.nc, subjects.secretStoreDelete, SecretDeleteRpc, async ({ meta }) => {
    const n = await ctx.vault.deleteAll(meta.kind, meta.id);
    ctx.log.info("payloads deleted", { kind: meta.kind, id: meta.id, versions: n });
    return { meta: {} };
  }, opts);
  const read = serveBytes(ctx.nc, subjects.secretStoreRead, ConfigReadRpc, async ({ meta }) => {
    const data = await ctx.vault.get({ kind: "config", id: meta.id, version: meta.version });
    if (data) return { meta: { size: data.length }, data };
    if (ctx.informer.state.secrets.has(meta.id) || await ctx.vault.has({ kind: "secret", id: meta.id, version: meta.version })) {
      throw permissionDenied(`${meta.id} is a secret: a secret's payload is never read back`);
    }
    throw notFound(`config ${meta.id} has no stored version ${meta.version}`);
  }, opts);
  return { stop: async () => { await Promise.all([put.stop(), del.stop(), read.stop()]); } };
}
