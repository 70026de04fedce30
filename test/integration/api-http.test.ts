import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { testNats } from "../helpers/nats.js";
import { serveTestCa } from "../helpers/cluster-keys.js";

/*
 * The api's HTTP hardening against a real api on a real nats-server: who may call (Host, Origin),
 * what a body may be, and how long a client may take — over real sockets, since fetch cannot set
 * Host nor drip a body.
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let store: JetStreamEventStore;
let api: RunningApi;
let port: number;

interface Answer { status: number; body: any; headers: Record<string, unknown> }

function raw(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, headers: res.headers });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const here = () => `127.0.0.1:${port}`;
const json = { "content-type": "application/json" };
const spec = (name: string) => JSON.stringify({ Name: name, TaskTemplate: { ContainerSpec: { Image: "busybox:1" } } });
const create = (name: string, headers: Record<string, string>) => raw("POST", "/services/create", { host: here(), ...headers }, spec(name));

/** Runs `fn` and checks that the log did not grow. */
async function appendsNothing(fn: () => Promise<void>): Promise<void> {
  const head = await store.headSeq();
  await fn();
  assert.equal(await store.headSeq(), head, "the log grew");
}

/** The secret-store's CA handlers the api asks for join tokens and certificates. */
let testCa: Awaited<ReturnType<typeof serveTestCa>> | undefined;

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "api-http-test" });
  await ensureStreams(nc);
  testCa = await serveTestCa(nc, new JetStreamEventStore(nc));
  store = new JetStreamEventStore(nc);
  api = await start({ nc, store, log: createLogger("api-http-test", "silent"), instanceId: "api-http" },
    { listen: "127.0.0.1:0", insecureHttp: true, http: { hostNames: ["api.internal"], origins: ["https://console.example"] } });
  port = Number(new URL(api.url).port);
  assert.equal((await raw("POST", "/swarm/init", { host: here(), ...json }, JSON.stringify({ NodeName: "m1" }))).status, 200);
});
after(async () => {
  await api?.stop();
  await testCa?.stop();
  await nc?.drain();
  await nats?.cleanup();
});

describe("api: who may call", () => {
  it("refuses a Host that does not name the api (DNS rebinding) and appends nothing", async () => {
    await appendsNothing(async () => {
      const r = await create("rebound", { host: `evil.example:${port}`, ...json });
      assert.equal(r.status, 421);
      assert.match(r.body.message, /Host "evil.example:\d+" does not name this api/);
      assert.equal((await raw("GET", "/services", { host: "evil.example" })).status, 421);
    });
  });

  it("accepts loopback forms and configured names", async () => {
    for (const host of [here(), `localhost:${port}`, `api.internal:${port}`]) {
      assert.equal((await raw("GET", "/services", { host })).status, 200, host);
    }
  });

  it("refuses a cross-origin write and appends nothing; a same-origin or configured one is served", async () => {
    await appendsNothing(async () => {
      const r = await create("csrf", { origin: "https://evil.example", ...json });
      assert.equal(r.status, 403);
      assert.match(r.body.message, /cross-origin request from Origin "https:\/\/evil.example" refused/);
      assert.equal((await create("csrf", { origin: "null", ...json })).status, 403);
    });
    assert.equal((await create("same-origin", { origin: `http://${here()}`, ...json })).status, 201);
    assert.equal((await create("console", { origin: "https://console.example", ...json })).status, 201);
  });

  it("takes only JSON bodies: text/plain (a web form's simple request) is refused with 415", async () => {
    await appendsNothing(async () => {
      const r = await create("plain", { "content-type": "text/plain" });
      assert.equal(r.status, 415);
      assert.match(r.body.message, /unsupported Content-Type "text\/plain": the api accepts application\/json/);
      assert.equal((await create("untyped", {})).status, 415);
    });
  });
});

describe("api: bad input", () => {
  it("answers 400 naming the parameter for malformed percent-encoding", async () => {
    await appendsNothing(async () => {
      for (const [method, path] of [["GET", "/services/%zz"], ["POST", "/services/%E0%A4%A/update?version=1"], ["DELETE", "/nodes/%"]]) {
        const r = await raw(method!, path!, { host: here() });
        assert.equal(r.status, 400, `${method} ${path}`);
        assert.match(r.body.message, /^id: malformed percent-encoding in "/);
      }
    });
  });

  it("answers 400 for unknown filter values, in Docker's words", async () => {
    const q = (f: object) => `filters=${encodeURIComponent(JSON.stringify(f))}`;
    const r = await raw("GET", `/services?${q({ mode: ["bogus"] })}`, { host: here() });
    assert.deepEqual([r.status, r.body.message], [400, "invalid filter 'mode=bogus'"]);
    assert.equal((await raw("GET", `/tasks?${q({ "desired-state": ["nope"] })}`, { host: here() })).status, 400);
    assert.equal((await raw("GET", `/nodes?${q({ role: ["boss"] })}`, { host: here() })).status, 400);
    assert.equal((await raw("GET", `/services?${q({ mode: ["global"] })}`, { host: here() })).status, 200);
  });

  it("refuses a body over the limit with 413", async () => {
    await appendsNothing(async () => {
      const big = JSON.stringify({ Name: "big", Labels: { x: "y".repeat(5 * 1024 * 1024) } });
      const r = await raw("POST", "/services/create", { host: here(), ...json }, big);
      assert.equal(r.status, 413);
      assert.match(r.body.message, /request body larger than 4194304 bytes/);
    });
  });
});

/** Opens a socket, writes `head`, then drips `drip` one byte every `everyMs`; resolves with what came back once the server closes it. */
function slowClient(head: string, drip: string, everyMs: number): Promise<{ text: string; closedAfterMs: number; dripped: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let text = "";
    let dripped = 0;
    const s = connect(port, "127.0.0.1", () => s.write(head));
    const timer = setInterval(() => {
      if (dripped < drip.length && !s.destroyed) s.write(drip[dripped++]!);
    }, everyMs);
    s.on("data", (d) => (text += d.toString()));
    s.on("error", () => undefined); // a reset is a close too
    s.on("close", () => {
      clearInterval(timer);
      resolve({ text, closedAfterMs: Date.now() - t0, dripped });
    });
    setTimeout(() => { clearInterval(timer); s.destroy(); reject(new Error(`still open after 60 s (${dripped} bytes dripped)`)); }, 60_000).unref();
  });
}

describe("api: slow clients", () => {
  it("cuts off a body dripped at 1 byte / 2 s with 408, and appends nothing", async () => {
    await appendsNothing(async () => {
      const body = spec("slow");
      const head = `POST /services/create HTTP/1.1\r\nHost: ${here()}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      const r = await slowClient(head, body, 2_000);
      assert.match(r.text, /^HTTP\/1\.1 408 /);
      assert.match(r.text, /request body not received within 5000 ms/);
      assert.ok(r.dripped < body.length, "the whole body was sent before the cut-off");
    });
  });

  it("cuts off headers dripped at 1 byte / 2 s", async () => {
    const head = `GET /services HTTP/1.1\r\nHost: ${here()}\r\nX-Slow: ${"a".repeat(100)}\r\n\r\n`;
    const r = await slowClient("", head, 2_000);
    assert.ok(r.dripped < head.length, "the whole header block was sent before the cut-off");
    assert.doesNotMatch(r.text, /^HTTP\/1\.1 200/);
  });
});
