import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { BUCKETS, type SecretKind } from "../../../schemas/index.js";
import { alreadyExists, invalidArgument, SwarmError } from "../../shared/errors/index.js";
import { ensureBucket } from "../../shared/nats/index.js";
import { decryptPayload, encryptPayload, payloadHmac, sameBytes, type PayloadName } from "./envelope.js";
import { loadOrCreateKek } from "./kek.js";
import { Keyring } from "./keyring.js";

/*
 * The ciphertexts in KV `swarm-secrets` (no TTL, one value per key), key `<kind>.<id>.<version>`.
 * Only the secret-store reads or writes the bucket. Every instance holds the same KEK, so any
 * instance answers for any key (stateless besides the KV).
 */

/** Ids become KV key tokens: only characters a NATS subject token may hold without surprise. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface Vault {
  /** Encrypts and stores one version; the same payload again is a no-op, another payload for a stored version is refused. */
  put(name: PayloadName, payload: Uint8Array): Promise<{ size: number; hmac: string }>;
  /** The payload of one stored version, or undefined when none is stored. */
  get(name: PayloadName): Promise<Buffer | undefined>;
  /** A version is stored (without opening it). */
  has(name: PayloadName): Promise<boolean>;
  /** Drops every stored version of one secret or config (their ciphertexts are purged, not kept as history). */
  deleteAll(kind: SecretKind, id: string): Promise<number>;
  /**
   * A root CA's private key, by the root's digest (`ca.<digest>`), so every manager's instance can
   * sign under a root another instance made (a rotation's new root; the old one, for the join
   * tokens until the rotation completes). Write-once: the same key again is a no-op.
   */
  putCaKey(digest: string, keyPem: string): Promise<void>;
  getCaKey(digest: string): Promise<string | undefined>;
}

const DIGEST = /^[0-9a-z]{50}$/;

function caKeyName(digest: string): PayloadName {
  if (!DIGEST.test(digest)) throw invalidArgument(`CA digest: "${digest}" is not a root CA digest`);
  return { kind: "ca", id: digest, version: 1 };
}

export function keyOf(n: PayloadName): string {
  if (!ID.test(n.id)) throw invalidArgument(`id: "${n.id}" is not a valid ${n.kind} id`);
  return `${n.kind}.${n.id}.${n.version}`;
}

/** `keyring`: the keys dir's keys as this process holds them (default: read from `keysDir`, plaintext only). */
export async function openVault(nc: NatsConnection, opts: { keysDir?: string; replicas?: number; keyring?: Keyring }): Promise<Vault> {
  const kv = await ensureBucket(nc, BUCKETS.secrets, { ttlMs: 0, replicas: opts.replicas });
  const kek = await loadOrCreateKek(kv, opts.keyring ?? new Keyring(opts.keysDir));
  return new KvVault(kv, kek);
}

class KvVault implements Vault {
  constructor(private readonly kv: KV, private readonly kek: Buffer) {}

  async put(name: PayloadName, payload: Uint8Array): Promise<{ size: number; hmac: string }> {
    const key = keyOf(name);
    const out = { size: payload.length, hmac: payloadHmac(this.kek, payload) };
    try {
      // create, not put: of two puts racing on one version exactly one is stored.
      await this.kv.create(key, encryptPayload(this.kek, name, payload));
      return out;
    } catch (err) {
      const stored = await this.get(name);
      if (!stored) throw err;
      if (!sameBytes(stored, payload)) throw alreadyExists(`${name.kind} ${name.id} version ${name.version} is already stored with another payload`);
      return out;
    }
  }

  async putCaKey(digest: string, keyPem: string): Promise<void> {
    const name = caKeyName(digest);
    try {
      await this.kv.create(`ca.${digest}`, encryptPayload(this.kek, name, Buffer.from(keyPem)));
    } catch (err) {
      if ((await this.getCaKey(digest)) !== keyPem) throw err;
    }
  }

  async getCaKey(digest: string): Promise<string | undefined> {
    const e = await this.kv.get(`ca.${digest}`);
    if (!e || e.operation !== "PUT") return undefined;
    return decryptPayload(this.kek, caKeyName(digest), e.value).toString("utf8");
  }

  async get(name: PayloadName): Promise<Buffer | undefined> {
    const e = await this.kv.get(keyOf(name));
    if (!e || e.operation !== "PUT") return undefined;
    try {
      return decryptPayload(this.kek, name, e.value);
    } catch (err) {
      throw new SwarmError("internal", (err as Error).message);
    }
  }

  async has(name: PayloadName): Promise<boolean> {
    const e = await this.kv.get(keyOf(name));
    return e?.operation === "PUT";
  }

  async deleteAll(kind: SecretKind, id: string): Promise<number> {
    const prefix = keyOf({ kind, id, version: 1 }).replace(/\.1$/, "");
    const keys: string[] = [];
    for await (const k of await this.kv.keys(`${prefix}.*`)) keys.push(k);
    for (const k of keys) await this.kv.purge(k);
    return keys.length;
  }
}
