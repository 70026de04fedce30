import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connectNats, ensureStreams, type NatsConnection, type NatsTls } from "../../services/shared/nats/index.js";
import { BUCKETS, STREAMS, subjects } from "../../schemas/index.js";
import { issue, makeCa, secureTestNats, type SecureNats } from "../helpers/secure-nats.js";

/*
 * The bus of `swarm up` (DESIGN §6): mutual TLS with certificates from the cluster CA mapped to
 * users whose permissions are schemas/bus-permissions.ts. Refusals are the server's own.
 */

let nats: SecureNats;
let admin: NatsConnection;
const open: NatsConnection[] = [];

before(async () => {
  nats = await secureTestNats();
  admin = await connectNats({ url: nats.url, name: "admin", tls: nats.identity("admin") });
  await ensureStreams(admin);
});

after(async () => {
  for (const c of open) await c.close().catch(() => {});
  await admin?.close();
  await nats?.cleanup();
});

async function as(cn: string, tls?: NatsTls): Promise<NatsConnection> {
  // Agents reply under their node's own prefix (`_INBOX.` is not theirs).
  const inbox = cn === "svc-agent" ? { inboxPrefix: "_INBOX_n1" } : {};
  const c = await connectNats({ url: nats.url, name: cn, tls: tls ?? nats.identity(cn), ...inbox });
  open.push(c);
  return c;
}

/** Connects once (no retries) and reports the failure's message. */
async function refusal(opts: { tls?: { certFile?: string; keyFile?: string; caFile?: string } }): Promise<string> {
  try {
    const c = await connect({ servers: nats.url, reconnect: false, timeout: 5000, ...opts });
    await c.close();
    return "connected";
  } catch (err) {
    return (err as Error).message;
  }
}

/** The server's "Permissions Violation" for a JetStream API request, else what happened. */
async function jsRefusal(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "allowed";
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return `${e.message} ${e.cause?.message ?? ""}`;
  }
}

test("plaintext, certificate-less and wrong-CA connections are refused", async () => {
  // A client that does not do TLS at all cannot talk to a server that requires it.
  assert.notEqual(await refusal({}), "connected");
  // TLS, but no client certificate.
  assert.notEqual(await refusal({ tls: { caFile: join(nats.certDir, "ca.crt") } }), "connected");
  // A certificate with a mapped name, from another CA.
  const other = join(nats.certDir, "other");
  mkdirSync(other);
  makeCa(other, "ca");
  const forged = issue(other, "admin", { subject: "/CN=admin" });
  assert.notEqual(await refusal({ tls: { certFile: forged.cert, keyFile: forged.key, caFile: join(nats.certDir, "ca.crt") } }), "connected");
  // A certificate from the right CA whose name maps to no user.
  const stranger = nats.identity("nobody");
  assert.match(await refusal({ tls: { certFile: stranger.cert, keyFile: stranger.key, caFile: stranger.ca } }), /Authorization Violation/i);
  // An expired certificate from the right CA.
  const expired = nats.identity("admin", { notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
  assert.notEqual(await refusal({ tls: { certFile: expired.cert, keyFile: expired.key, caFile: expired.ca } }), "connected");
  // The same name from the right CA, valid: admitted.
  const good = nats.identity("admin");
  assert.equal(await refusal({ tls: { certFile: good.cert, keyFile: good.key, caFile: good.ca } }), "connected");
});

test("each service connects as its own identity and appends; nobody but an operator deletes the log", async () => {
  for (const service of ["api", "orchestrator", "scheduler", "dispatcher"]) {
    const c = await as(`svc-${service}`);
    const jsm = await jetstreamManager(c);
    assert.equal((await jsm.streams.info(STREAMS.events)).config.name, STREAMS.events);
    const js = jsm.jetstream();
    await js.publish(subjects.event("service", `bus-${service}`), "{}");
    assert.match(await jsRefusal(() => jsm.streams.delete(STREAMS.events)), /permission/i, `${service} deletes EVENTS`);
    assert.match(await jsRefusal(() => jsm.streams.purge(STREAMS.events)), /permission/i, `${service} purges EVENTS`);
  }
});

test("snapshot writers purge old generations, the api seals audit checkpoints; no service purges membership", async () => {
  const api = await as("svc-api");
  const snapshots = await new Kvm(api).create(BUCKETS.snapshots, { history: 1 });
  await snapshots.put("p.1.0", "chunk");
  const jsm = await jetstreamManager(api);
  assert.equal((await jsm.streams.purge(`KV_${BUCKETS.snapshots}`, { filter: `$KV.${BUCKETS.snapshots}.p.1.>` })).purged, 1);
  const audit = await new Kvm(api).create("swarm-audit", { history: 1 });
  await audit.put("EVENTS.1", "{}");
  await new Kvm(api).create(BUCKETS.members, { history: 1 });
  assert.match(await jsRefusal(() => jsm.streams.purge(`KV_${BUCKETS.members}`)), /permission/i);
});

test("only the secret-store reads its bucket", async () => {
  const store = await as("svc-secret-store");
  const kv = await new Kvm(store).create(BUCKETS.secrets, { history: 1 });
  await kv.put("secret.x.1", "ciphertext");
  for (const cn of ["svc-api", "svc-dispatcher", "svc-agent"]) {
    const c = await as(cn);
    const jsm = await jetstreamManager(c);
    assert.match(await jsRefusal(() => jsm.streams.info(`KV_${BUCKETS.secrets}`)), /permission/i, `${cn} reads the bucket's info`);
    assert.match(await jsRefusal(() => jsm.streams.getMessage(`KV_${BUCKETS.secrets}`, { seq: 1 })), /permission/i, `${cn} reads a ciphertext`);
  }
});

test("a secret-store asks its siblings of a keys dir for the unlock key (autolock); the api cannot answer as one", async () => {
  const sibling = await as("svc-secret-store");
  const sub = sibling.subscribe(subjects.secretStoreKeyring("k1", "sibling"), { callback: (_e, m) => { m.respond("sealed"); } });
  await sibling.flush();
  const starting = await as("svc-secret-store");
  assert.equal((await starting.request(subjects.secretStoreKeyring("k1", "sibling"), "{}", { timeout: 5_000 })).string(), "sealed");
  const api = await as("svc-api");
  await assert.rejects(async () => {
    api.subscribe(subjects.secretStoreKeyring("k2", "sibling"));
    await api.flush();
    await starting.request(subjects.secretStoreKeyring("k2", "sibling"), "{}", { timeout: 1_000 });
  });
  sub.unsubscribe();
});

test("an agent identity reads no log, writes no event and no task doc, touches no control-plane bucket", async () => {
  const agent = await as("svc-agent");
  const jsm = await jetstreamManager(agent, { checkAPI: false });
  assert.match(await jsRefusal(() => jsm.streams.info(STREAMS.events)), /permission/i);
  assert.match(await jsRefusal(() => jsm.consumers.add(STREAMS.events, { name: "peek" })), /permission/i);
  assert.match(await jsRefusal(() => jsm.jetstream().publish(subjects.event("node", "x"), "{}")), /permission/i);
  assert.match(await jsRefusal(() => jsm.jetstream().publish(subjects.nodeTask("n1", "t1"), "{}")), /permission/i);
  assert.match(await jsRefusal(() => jsm.jetstream().publish(`$KV.${BUCKETS.members}.x`, "{}")), /permission/i);
  // Its own reports are allowed.
  const ack = await jsm.jetstream().publish(subjects.nodeStatus("n1"), "{}");
  assert.equal(ack.stream, STREAMS.nodeStatus);
});
