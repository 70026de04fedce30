import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { contentTypeProblem, hostnameOf, hostProblem, listOf, originProblem } from "./request-guard.js";

const none = { hostNames: [], origins: [] };
const loop = { address: "127.0.0.1", family: "IPv4" };

describe("request guard", () => {
  it("reads the host name out of a Host header", () => {
    for (const [h, want] of [["127.0.0.1:4280", "127.0.0.1"], ["[::1]:80", "::1"], ["Example.COM.", "example.com"], ["a b", undefined], ["x@y", undefined], ["", undefined]] as const) {
      assert.equal(hostnameOf(h), want, h);
    }
  });

  it("accepts the listen address, any loopback form for a loopback listener, and configured names", () => {
    for (const h of ["127.0.0.1:4280", "127.0.0.2:4280", "localhost:4280", "[::1]:4280"]) assert.equal(hostProblem(h, loop, none), undefined, h);
    assert.equal(hostProblem("api.internal:4280", loop, { hostNames: ["API.internal"], origins: [] }), undefined);
    assert.equal(hostProblem("10.0.0.5:4280", { address: "10.0.0.5" }, none), undefined);
    assert.equal(hostProblem("10.0.0.9:4280", { address: "0.0.0.0" }, none), undefined);
    assert.equal(hostProblem("anything", "/run/swarm.sock", none), undefined);
  });

  it("refuses a foreign name (DNS rebinding), another address, and no Host at all", () => {
    assert.match(hostProblem("evil.example:4280", loop, none)!, /Host "evil.example:4280" does not name this api.*SWARM_API_HOSTS/);
    assert.ok(hostProblem("10.0.0.5:4280", loop, none));
    assert.ok(hostProblem("127.0.0.1:4280", { address: "10.0.0.5" }, none));
    assert.ok(hostProblem("evil.example", { address: "0.0.0.0" }, none));
    assert.equal(hostProblem(undefined, loop, none), "a Host header is required");
  });

  it("allows writes without Origin, from the same origin, or from a configured origin; refuses others", () => {
    assert.equal(originProblem(undefined, "127.0.0.1:4280", none), undefined);
    assert.equal(originProblem("http://127.0.0.1:4280", "127.0.0.1:4280", none), undefined);
    assert.equal(originProblem("https://console.example", "127.0.0.1:4280", { hostNames: [], origins: ["https://console.example"] }), undefined);
    assert.match(originProblem("https://evil.example", "127.0.0.1:4280", none)!, /cross-origin request from Origin "https:\/\/evil.example" refused/);
    assert.ok(originProblem("null", "127.0.0.1:4280", none));
    assert.ok(originProblem("http://127.0.0.1:9999", "127.0.0.1:4280", none));
    assert.ok(originProblem("not a url", "127.0.0.1:4280", none));
  });

  it("takes JSON bodies only", () => {
    assert.equal(contentTypeProblem("application/json; charset=utf-8", true), undefined);
    assert.equal(contentTypeProblem(undefined, false), undefined);
    assert.match(contentTypeProblem("text/plain", true)!, /unsupported Content-Type "text\/plain"/);
    assert.ok(contentTypeProblem("text/plain", false));
    assert.match(contentTypeProblem(undefined, true)!, /needs Content-Type: application\/json/);
  });

  it("splits a comma-separated setting", () => {
    assert.deepEqual(listOf(" a, b ,,c "), ["a", "b", "c"]);
    assert.deepEqual(listOf(undefined), []);
  });
});
