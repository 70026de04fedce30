import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fetchApi, neverSent, parseHosts } from "./transport.js";

/** A loopback http server; `drop` closes every connection as soon as a request arrives. */
async function server(mode: "answer" | "drop", seen: string[]): Promise<{ url: string; s: Server }> {
  const s = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (mode === "drop") req.socket.destroy();
    else res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, s };
}

/** A port nothing listens on (a server's, after it closed). */
async function deadUrl(): Promise<string> {
  const { url, s } = await server("answer", []);
  await new Promise<void>((r) => s.close(() => r()));
  return url;
}

describe("parseHosts", () => {
  it("splits, trims, adds https:// (every TCP api is HTTPS) and drops duplicates; keeps http:// and unix:// as given", () => {
    assert.deepEqual(parseHosts(" a:1, http://b:2 ,a:1,tcp://c:3, unix:///run/api.sock"), ["https://a:1", "http://b:2", "https://c:3", "unix:///run/api.sock"]);
  });
  it("refuses an empty list and a non-URL", () => {
    assert.throws(() => parseHosts(" , "), /--host: no api address/);
    assert.throws(() => parseHosts("http://a:1,http://b:x"), /--host: "http:\/\/b:x" is not a URL/);
    assert.throws(() => parseHosts("unix://relative.sock"), /absolute socket path/);
  });
});

describe("fetchApi failover", () => {
  const liveSeen: string[] = [];
  const dropSeen: string[] = [];
  let live: { url: string; s: Server };
  let drop: { url: string; s: Server };
  let dead: string;
  before(async () => {
    live = await server("answer", liveSeen);
    drop = await server("drop", dropSeen);
    dead = await deadUrl();
  });
  after(async () => {
    live.s.closeAllConnections();
    drop.s.closeAllConnections();
    await Promise.all([live, drop].map((x) => new Promise<void>((r) => x.s.close(() => r()))));
  });

  it("a refused connection was never sent: reads and writes go to the next host", async () => {
    for (const method of ["GET", "POST"]) {
      const res = await fetchApi(`${dead},${live.url}`, "services/create", { method, body: method === "POST" ? "{}" : undefined });
      assert.equal(res.status, 200);
      await res.text();
    }
    assert.deepEqual(liveSeen.splice(0), ["GET /services/create", "POST /services/create"]);
  });

  it("a connection dropped after the request was sent: a read goes on, a write stops and says so", async () => {
    const res = await fetchApi(`${drop.url},${live.url}`, "services", { method: "GET" });
    assert.equal(res.status, 200);
    await res.text();
    assert.deepEqual(liveSeen.splice(0), ["GET /services"]);
    await assert.rejects(fetchApi(`${drop.url},${live.url}`, "services/create", { method: "POST", body: "{}" }),
      new RegExp(`the api at ${drop.url} did not answer \\(.+\\) after the request was sent: it may or may not have been applied`));
    assert.deepEqual(liveSeen, [], "the write was not repeated on the second host");
    assert.ok(dropSeen.includes("POST /services/create"));
  });

  it("when no host can be reached, the error names each host and why", async () => {
    const other = await deadUrl();
    await assert.rejects(fetchApi(`${dead},${other}`, "services", { method: "GET" }),
      { message: `Cannot connect to the jetswarm api at any of its hosts: ${dead} (connection refused), ${other} (connection refused). Is it running (swarm up)?` });
    await assert.rejects(fetchApi(dead, "services", { method: "GET" }),
      { message: `Cannot connect to the jetswarm api at ${dead} (connection refused). Is it running (swarm up)?` });
  });

  it("classifies fetch failures by their cause's code", () => {
    assert.equal(neverSent(new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) })), true);
    assert.equal(neverSent(new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNRESET" }) })), false);
    assert.equal(neverSent(new TypeError("fetch failed", { cause: new AggregateError([Object.assign(new Error("x"), { code: "ECONNREFUSED" })]) })), true);
    assert.equal(neverSent(new Error("something else")), false);
  });
});
