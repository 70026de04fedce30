import type { NatsConnection } from "@nats-io/transport-node";
import { ConfigReadRpc, SecretDeleteRpc, SecretPutRpc, subjects } from "../../../schemas/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import { callBytes } from "../../shared/rpc/index.js";
import type { ObjectKind } from "../core/secret-decide.js";

/*
 * The api's side of the secret-store (DESIGN §6): payloads go there over the bytes rpc and never
 * into the log. Every call names the secret-store's queue-group subjects; "no responders" is a 503
 * naming the secret-store.
 */

/** Stores one payload version; answers its size and the secret-store's HMAC of it. */
export async function putPayload(
  nc: NatsConnection, req: { kind: ObjectKind; id: string; version: number; name: string }, data: Uint8Array,
): Promise<{ size: number; hmac: string }> {
  return (await callBytes(nc, subjects.secretStorePut, SecretPutRpc, { meta: req, data })).meta;
}

/** Drops every stored version of one secret or config. */
export async function deletePayloads(nc: NatsConnection, kind: ObjectKind, id: string): Promise<void> {
  await callBytes(nc, subjects.secretStoreDelete, SecretDeleteRpc, { meta: { kind, id }, data: new Uint8Array(0) });
}

/** A config's payload at one version (for inspect; the secret-store refuses secrets). */
export async function readConfig(nc: NatsConnection, id: string, version: number): Promise<Uint8Array> {
  return (await callBytes(nc, subjects.secretStoreRead, ConfigReadRpc, { meta: { id, version }, data: new Uint8Array(0) })).data;
}

/** The connection the secret-store is reached on (every api started by `start` has one). */
export function natsOf(deps: { nc?: NatsConnection }): NatsConnection {
  if (!deps.nc) throw new SwarmError("unavailable", "this api has no connection to the secret-store");
  return deps.nc;
}
