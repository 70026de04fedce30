import { test } from "node:test";
import assert from "node:assert/strict";
import { createAccount, createServer } from "@nats-io/nkeys";
import { decodeNkey, encodeNkey, newAccountSigner, signerFromPem, signJwt, verifyJwt } from "./nats-jwt.js";

test("nkeys round-trip and agree with the reference implementation's encoding", () => {
  for (const [role, kp] of [["account", createAccount()], ["server", createServer()]] as const) {
    const pub = kp.getPublicKey();
    const raw = decodeNkey(role, pub);
    assert.equal(raw.length, 32);
    assert.equal(encodeNkey(role, raw), pub);
  }
  const account = createAccount().getPublicKey();
  assert.throws(() => decodeNkey("server", account), /not a server key/);
  assert.throws(() => decodeNkey("account", account.slice(0, -1) + (account.endsWith("A") ? "B" : "A")), /checksum|length/);
});

test("a JWT verifies with its issuer's nkey, and a tampered one does not", () => {
  const signer = newAccountSigner();
  assert.equal(signerFromPem(signer.pem).publicKey, signer.publicKey);
  const jwt = signJwt(signer, { sub: "UX", nats: { type: "user", version: 2 } }, new Date(0));
  const claims = verifyJwt(jwt, "account");
  assert.equal(claims.iss, signer.publicKey);
  assert.equal(claims.sub, "UX");
  const [h, , s] = jwt.split(".");
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: "UY" })).toString("base64url")}.${s}`;
  assert.throws(() => verifyJwt(forged, "account"), /does not verify/);
});

test("a JWT signed by the reference nkeys signer verifies here", () => {
  const kp = createAccount();
  const header = Buffer.from(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" })).toString("base64url");
  const body = Buffer.from(JSON.stringify({ iss: kp.getPublicKey(), sub: "x" })).toString("base64url");
  const sig = Buffer.from(kp.sign(new TextEncoder().encode(`${header}.${body}`))).toString("base64url");
  assert.equal(verifyJwt(`${header}.${body}.${sig}`, "account").sub, "x");
});
