import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from "node:crypto";

/*
 * Sealing a payload to a recipient's ephemeral X25519 key (DESIGN §6): the sender draws its own
 * ephemeral key, derives an AES-256-GCM key from the Diffie-Hellman secret with HKDF-SHA256 (salt:
 * both public keys; info: the context `aad`), and sends its public key with the ciphertext. Only
 * the holder of the recipient's private key can open it; a payload on the wire (nats-server trace
 * logs print payloads) or replayed to another context (`aad` differs) is useless.
 *
 * Sealed layout: version (1 byte, 1) | sender's public key (32) | iv (12) | tag (16) | ciphertext.
 */

const VERSION = 1;
const KEY_LEN = 32;
const IV_LEN = 12;
const TAG_LEN = 16;
const HEADER = 1 + KEY_LEN + IV_LEN + TAG_LEN;

/** A recipient's X25519 public key as sent on the wire: its raw 32 bytes, base64url (a JWK's `x`). */
export type SealPublicKey = string;

function rawOf(key: KeyObject): Buffer {
  const x = key.export({ format: "jwk" }).x;
  if (!x) throw new Error("not an X25519 public key");
  return Buffer.from(x, "base64url");
}

function publicKeyOf(raw: Uint8Array | string): KeyObject {
  const x = typeof raw === "string" ? raw : Buffer.from(raw).toString("base64url");
  if (Buffer.from(x, "base64url").length !== KEY_LEN) throw new Error(`an X25519 public key is ${KEY_LEN} bytes`);
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x }, format: "jwk" });
}

function keyFor(secret: Buffer, senderRaw: Buffer, recipientRaw: Buffer, aad: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, Buffer.concat([senderRaw, recipientRaw]), `jetswarm-seal-v1|${aad}`, KEY_LEN));
}

/** Seals `plaintext` to `recipient` (its public key); `aad` names the context both sides agree on (e.g. the task id). */
export function seal(recipient: SealPublicKey, plaintext: Uint8Array, aad: string): Uint8Array {
  const recipientKey = publicKeyOf(recipient);
  const mine = generateKeyPairSync("x25519");
  const senderRaw = rawOf(mine.publicKey);
  const key = keyFor(diffieHellman({ privateKey: mine.privateKey, publicKey: recipientKey }), senderRaw, rawOf(recipientKey), aad);
  const iv = randomBytes(IV_LEN);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), senderRaw, iv, cipher.getAuthTag(), body]);
}

/** An ephemeral key pair held by the recipient (one per request): send `publicKey`, `open` the reply. */
export interface SealKey {
  publicKey: SealPublicKey;
  /** The plaintext; throws when the payload was not sealed to this key for `aad`, or was altered. */
  open(sealed: Uint8Array, aad: string): Buffer;
}

export function newSealKey(): SealKey {
  const pair = generateKeyPairSync("x25519");
  const recipientRaw = rawOf(pair.publicKey);
  return {
    publicKey: recipientRaw.toString("base64url"),
    open(sealed, aad) {
      const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
      if (buf.length < HEADER || buf[0] !== VERSION) throw new Error("sealed payload: unknown format");
      const senderRaw = buf.subarray(1, 1 + KEY_LEN);
      const iv = buf.subarray(1 + KEY_LEN, 1 + KEY_LEN + IV_LEN);
      const tag = buf.subarray(1 + KEY_LEN + IV_LEN, HEADER);
      const key = keyFor(diffieHellman({ privateKey: pair.privateKey, publicKey: publicKeyOf(senderRaw) }), Buffer.from(senderRaw), recipientRaw, aad);
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(buf.subarray(HEADER)), decipher.final()]);
    },
  };
}
