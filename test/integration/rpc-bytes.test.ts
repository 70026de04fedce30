import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { callBytes, serveBytes } from "../../services/shared/rpc/index.js";
import { SwarmError } from "../../services/shared/errors/index.js";
import { connectNats } from "../../services/shared/nats/index.js";
import { testNats } from "../helpers/nats.js";

const Echo = { service: "echo", request: z.object({ name: z.string() }), reply: z.object({ size: z.number() }) };

test("bytes rpc: a 1000 KiB body travels raw beside parsed metadata; errors and bad metadata as in call", async (t) => {
  const server = await testNats();
  t.after(() => server.cleanup());
  const nc = await connectNats({ url: server.url, name: "rpc-bytes" });
  t.after(() => nc.close());
  const svc = serveBytes(nc, "t.echo", Echo, async (req) => {
    if (req.meta.name === "refuse") throw new SwarmError("permission_denied", "not yours");
    return { meta: { size: req.data.length }, data: Buffer.from(req.data).reverse() };
  });
  t.after(() => svc.stop());
  const body = randomBytes(1000 * 1024);
  const out = await callBytes(nc, "t.echo", Echo, { meta: { name: "x" }, data: body });
  assert.equal(out.meta.size, body.length);
  assert.deepEqual(Buffer.from(out.data), Buffer.from(body).reverse());
  await assert.rejects(callBytes(nc, "t.echo", Echo, { meta: { name: "refuse" }, data: new Uint8Array(0) }),
    (e: unknown) => e instanceof SwarmError && e.code === "permission_denied" && e.message === "not yours");
  await assert.rejects(callBytes(nc, "t.echo", Echo, { meta: { name: 5 } as never, data: new Uint8Array(0) }),
    (e: unknown) => e instanceof SwarmError && e.code === "invalid_argument" && /name/.test(e.message));
  await assert.rejects(callBytes(nc, "t.nobody", Echo, { meta: { name: "x" }, data: new Uint8Array(0) }),
    (e: unknown) => e instanceof SwarmError && e.code === "unavailable");
});
