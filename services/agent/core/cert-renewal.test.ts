import { test } from "node:test";
import assert from "node:assert/strict";
import { lifeOf, renewalAt, renewNowReason, RENEW_WINDOW, type HeldCert } from "./cert-renewal.js";

const HOUR = 3600_000;
const roleOu = { worker: "swarm-worker", manager: "swarm-manager" } as const;
const issued = Date.parse("2026-12-01T00:00:00Z");
/** As the CA signs: back-dated an hour, valid `ms` from its issuance. */
const cert = (ms: number, over: Partial<HeldCert> = {}): HeldCert => ({ notBefore: issued - HOUR, notAfter: issued + ms, ou: "swarm-worker", caDigest: "d1", ...over });

test("renewal falls between 50 % and 80 % of the life since issuance (the back-dating is not life)", () => {
  const c = cert(90 * 24 * HOUR);
  assert.equal(renewalAt(c, 0, HOUR), issued + 45 * 24 * HOUR);
  assert.equal(renewalAt(c, 0.5, HOUR), issued + 58.5 * 24 * HOUR);
  const last = renewalAt(c, 0.999999, HOUR);
  assert.ok(last < issued + 72 * 24 * HOUR && last > issued + 71.9 * 24 * HOUR);
  for (let r = 0; r < 1; r += 0.05) {
    const at = renewalAt(c, r, HOUR);
    assert.ok(at >= issued + RENEW_WINDOW.from * 90 * 24 * HOUR && at < issued + RENEW_WINDOW.to * 90 * 24 * HOUR, `r=${r}`);
  }
});

test("a certificate shorter than its back-dating still renews inside its life, never in the past of its issuance", () => {
  const c = cert(40_000);
  assert.deepEqual(lifeOf(c, HOUR), { from: issued, ms: 40_000 });
  assert.equal(renewalAt(c, 0, HOUR), issued + 20_000);
  assert.equal(renewalAt(c, 0.5, HOUR), issued + 26_000);
});

test("a draw outside [0, 1) is a programming error", () => {
  assert.throws(() => renewalAt(cert(HOUR), 1, HOUR), /random: must be in \[0, 1\)/);
  assert.throws(() => renewalAt(cert(HOUR), Number.NaN, HOUR), /random/);
});

test("renew now: another role, another trust root, another --cert-expiry; not for the same wish", () => {
  const c = cert(2 * HOUR);
  const wish = { role: "worker" as const, expiryMs: 2 * HOUR, caDigest: "d1" };
  assert.equal(renewNowReason(c, wish, roleOu, HOUR), undefined);
  assert.equal(renewNowReason(cert(2 * HOUR + 1000), wish, roleOu, HOUR), undefined, "a second of signing time is the same expiry");
  assert.match(renewNowReason(c, { ...wish, role: "manager" }, roleOu, HOUR) ?? "", /a manager now; its certificate says swarm-worker/);
  assert.match(renewNowReason(c, { ...wish, caDigest: "d2" }, roleOu, HOUR) ?? "", /trust root changed/);
  assert.match(renewNowReason(c, { ...wish, expiryMs: 90 * 24 * HOUR }, roleOu, HOUR) ?? "", /certificate expiry is 7776000000 ms/);
  assert.equal(renewNowReason(c, { role: "worker", expiryMs: 2 * HOUR }, roleOu, HOUR), undefined, "no digest told: the root is not judged");
});
