import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from "node:crypto";

/*
 * NATS's key and token formats, for the auth callout (DESIGN §6): nkeys (an ed25519 public key in
 * base32 with a one-byte role prefix and a CRC-16) and JWTs signed with them (`ed25519-nkey`).
 * Signing uses node:crypto's native ed25519 (~0.1 ms): the stock JavaScript nkeys signer costs
 * 100+ ms of CPU per token, which every worker connection would pay.
 */

/** nkey role prefixes (the first base32 character of the encoded key). */
export const NKEY_PREFIX = { account: 0 << 3, server: 13 << 3, user: 20 << 3 } as const;
export type NkeyRole = keyof typeof NKEY_PREFIX;

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(s: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of s) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error(`nkey: not base32 (${ch})`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** CRC-16/XMODEM, as nkeys checksums a key. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The nkey (`A…`, `N…`, `U…`) of a raw 32-byte ed25519 public key. */
export function encodeNkey(role: NkeyRole, raw: Uint8Array): string {
  const body = Uint8Array.from([NKEY_PREFIX[role], ...raw]);
  const c = crc16(body);
  return base32(Uint8Array.from([...body, c & 0xff, c >>> 8]));
}

/** The raw public key of an nkey of `role`; throws on a wrong role, length or checksum. */
export function decodeNkey(role: NkeyRole, nkey: string): Uint8Array {
  const bytes = unbase32(nkey);
  if (bytes.length !== 35) throw new Error(`nkey ${nkey.slice(0, 8)}…: wrong length`);
  const body = bytes.subarray(0, 33);
  if (crc16(body) !== (bytes[33]! | (bytes[34]! << 8))) throw new Error(`nkey ${nkey.slice(0, 8)}…: bad checksum`);
  if (body[0] !== NKEY_PREFIX[role]) throw new Error(`nkey ${nkey.slice(0, 8)}…: not a ${role} key`);
  return body.subarray(1);
}

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

function rawPublicKey(key: KeyObject): Uint8Array {
  return createPublicKey(key).export({ format: "der", type: "spki" }).subarray(ED25519_SPKI_PREFIX.length);
}

function publicKeyOfRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
}

/** An ed25519 signing key and its nkey. */
export interface NkeySigner {
  key: KeyObject;
  publicKey: string;
}

/** A fresh account signing key (PEM for storage: `signerFromPem` reads it back). */
export function newAccountSigner(): NkeySigner & { pem: string } {
  const { privateKey } = generateKeyPairSync("ed25519");
  return { key: privateKey, publicKey: encodeNkey("account", rawPublicKey(privateKey)), pem: privateKey.export({ format: "pem", type: "pkcs8" }).toString() };
}

export function signerFromPem(pem: string): NkeySigner {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`callout key: ed25519 expected, got ${key.asymmetricKeyType}`);
  return { key, publicKey: encodeNkey("account", rawPublicKey(key)) };
}

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString("base64url");
const HEADER = b64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));

/** A NATS JWT of `claims` (iss, iat and jti filled in) signed by `signer`. */
export function signJwt(signer: NkeySigner, claims: Record<string, unknown>, now: Date): string {
  const body = { jti: b64url(randomBytes(16)), iat: Math.floor(now.getTime() / 1000), iss: signer.publicKey, ...claims };
  const payload = `${HEADER}.${b64url(JSON.stringify(body))}`;
  return `${payload}.${b64url(sign(null, Buffer.from(payload), signer.key))}`;
}

/**
 * The claims of a NATS JWT whose signature verifies with its own issuer key of `issuerRole`
 * (the server signs authorization requests with its `N…` key); throws when it does not.
 */
export function verifyJwt(token: string, issuerRole: NkeyRole): Record<string, unknown> & { iss: string } {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("JWT: not three parts");
  const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as Record<string, unknown> & { iss: string };
  if (typeof claims.iss !== "string") throw new Error("JWT: no issuer");
  const ok = verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), publicKeyOfRaw(decodeNkey(issuerRole, claims.iss)), Buffer.from(parts[2]!, "base64url"));
  if (!ok) throw new Error("JWT: signature does not verify");
  return claims;
}
