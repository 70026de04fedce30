import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { notFound, SwarmError } from "../../services/shared/errors/index.js";
import { call, RpcNoRespondersError, RpcTimeoutError, serve } from "../../services/shared/rpc/index.js";
import { leaseProbe } from "../../services/shared/instances/index.js";
import { RpcEnvelope, type RpcSchemas } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";

/* rpc.serve / rpc.call against a real nats-server: both ends parse, errors keep their code. */

const Greet = {
  service: "greeter",
  request: z.object({ name: z.string(), times: z.number().int().positive().default(1) }),
  reply: z.object({ text: z.string() }),
} satisfies RpcSchemas;

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let stops: Array<{ stop(): Promise<void> }> = [];
let subjectN = 0;
const fresh = () => `swarm.rpc.test.${++subjectN}`;

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "rpc-test" });
});
after(async () => {
  for (const s of stops) await s.stop();
  await nc?.drain().catch(() => undefined);
  await nats?.cleanup();
});

/** Asserts that `p` rejects with a SwarmError of `code` whose message matches. */
async function rejectsWith(p: Promise<unknown>, code: SwarmError["code"], message: RegExp | string): Promise<SwarmError> {
  const err = await p.then(() => assert.fail("expected a rejection"), (e: unknown) => e);
  assert.ok(err instanceof SwarmError, `a SwarmError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (typeof message === "string") assert.equal(err.message, message);
  else assert.match(err.message, message);
  return err;
}

describe("rpc", () => {
  it("answers with the handler's reply, the request parsed (defaults filled)", async () => {
    const subject = fresh();
    stops.push(serve(nc, subject, Greet, (req) => ({ text: `${"hi ".repeat(req.times)}${req.name}` })));
    assert.deepEqual(await call(nc, subject, Greet, { name: "ann" }), { text: "hi ann" });
    assert.deepEqual(await call(nc, subject, Greet, { name: "bob", times: 2 }), { text: "hi hi bob" });
  });

  it("carries a handler's SwarmError code and message across the wire", async () => {
    const subject = fresh();
    stops.push(serve(nc, subject, Greet, (req) => { throw notFound(`node ${req.name} is not part of this swarm`); }));
    await rejectsWith(call(nc, subject, Greet, { name: "n9" }), "not_found", "node n9 is not part of this swarm");
  });

  it("sends anything else thrown as internal", async () => {
    const subject = fresh();
    stops.push(serve(nc, subject, Greet, () => { throw new TypeError("boom"); }));
    await rejectsWith(call(nc, subject, Greet, { name: "x" }), "internal", "boom");
  });

  it("refuses a malformed request with invalid_argument naming the field, without calling the handler", async () => {
    const subject = fresh();
    let calls = 0;
    stops.push(serve(nc, subject, Greet, () => { calls++; return { text: "" }; }));
    const raw = RpcEnvelope.parse((await nc.request(subject, JSON.stringify({ name: 7 }), { timeout: 5000 })).json());
    assert.ok("error" in raw);
    assert.equal(raw.error.code, "invalid_argument");
    assert.match(raw.error.message, /^request on swarm\.rpc\.test\.\d+: name: /);
    const notJson = RpcEnvelope.parse((await nc.request(subject, "{", { timeout: 5000 })).json());
    assert.ok("error" in notJson && notJson.error.code === "invalid_argument" && /not JSON/.test(notJson.error.message));
    // The caller checks before sending: nothing reaches the handler.
    await rejectsWith(call(nc, subject, Greet, { name: "x", times: -1 } as never), "invalid_argument", /^request to swarm\.rpc\.test\.\d+: times: /);
    assert.equal(calls, 0);
  });

  it("refuses a reply that does not fit the schema, on either side", async () => {
    const subject = fresh();
    stops.push(serve(nc, subject, Greet, () => ({ text: 42 }) as never));
    await rejectsWith(call(nc, subject, Greet, { name: "x" }), "internal", /^reply on swarm\.rpc\.test\.\d+ is malformed: text: /);

    const raw = fresh();
    const sub = nc.subscribe(raw, { callback: (_e, m) => { m.respond(JSON.stringify({ reply: { txt: "hi" } })); } });
    await rejectsWith(call(nc, raw, Greet, { name: "x" }), "internal", /^reply from swarm\.rpc\.test\.\d+ is malformed: text: /);
    sub.unsubscribe();

    const odd = fresh();
    const sub2 = nc.subscribe(odd, { callback: (_e, m) => { m.respond(JSON.stringify({ error: { code: "teapot", message: "short and stout" } })); } });
    await rejectsWith(call(nc, odd, Greet, { name: "x" }), "internal", "short and stout (unknown error code teapot)");
    sub2.unsubscribe();
  });

  it("maps a silent responder to unavailable: timed out", async () => {
    const subject = fresh();
    const sub = nc.subscribe(subject, { callback: () => undefined });
    const err = await rejectsWith(call(nc, subject, Greet, { name: "x" }, { timeoutMs: 200 }), "unavailable", `timed out after 200 ms asking ${subject}`);
    assert.ok(err instanceof RpcTimeoutError);
    sub.unsubscribe();
  });

  it("maps no responders to unavailable, naming the service", async () => {
    const subject = fresh();
    const err = await rejectsWith(call(nc, subject, Greet, { name: "x" }), "unavailable", `no greeter answers on ${subject}`);
    assert.ok(err instanceof RpcNoRespondersError);
  });

  it("with a queue group, one member answers each request", async () => {
    const subject = fresh();
    let handled = 0;
    for (let i = 0; i < 2; i++) stops.push(serve(nc, subject, Greet, () => { handled++; return { text: "" }; }, { queue: "q" }));
    for (let i = 0; i < 6; i++) await call(nc, subject, Greet, { name: "x" });
    assert.equal(handled, 6);
  });

  it("a lease probe tells a gone holder (no responders) from a live one", async () => {
    const a = leaseProbe(nc, "svc", "a");
    await nc.flush();
    assert.equal(await a.probe("a"), "alive");
    assert.equal(await a.probe("b"), "gone");
    a.stop();
  });
});
