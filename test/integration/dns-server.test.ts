import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { promisify } from "node:util";
import dnsPacket from "dns-packet";
import { DnsServer, netnsSockets } from "../../services/agent/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { freePort } from "../../deploy/launcher/nats-server.js";
import type { NetMapDoc } from "../../schemas/index.js";
import { endpoint, netMap, service, type TestNet } from "../helpers/service-net-fixture.js";
import { dnsQuery } from "../helpers/dns-client.js";
import { eventually } from "../helpers/eventually.js";

/*
 * The node's DNS server on its own (no Docker): over UDP and TCP, a UDP answer too large for 512
 * bytes cut with TC and complete over TCP, several questions on one TCP connection, a name that is
 * not ours relayed over TCP to a TCP upstream; and its sockets opened inside another network
 * namespace (the node's, when the agent does not run in it), where the only such address is.
 */

const run = promisify(execFile);
const log = createLogger("dns-test", "silent");
const BIG = 60;

function testNet(prefix: string, subnet: string): TestNet {
  return { networkId: `n-${prefix}`, dockerName: "", vni: 1, subnet, gateway: `${prefix}.1`, ip: (n) => `${prefix}.${n}` };
}
function maps(n: TestNet): NetMapDoc[] {
  const bigs = Array.from({ length: BIG }, (_, i) => endpoint(n, `b${i}`, "big", 10 + i));
  return [netMap(n, "node-a", [service("big", { endpointMode: "dnsrr" }), service("web", { vip: `${n.ip(200)}/24` })], [...bigs, endpoint(n, "w1", "web", 201)])];
}

/** A TCP-only upstream: `ext.tcp.test` → 192.0.2.9, anything else NXDOMAIN. */
function tcpUpstream(): Promise<net.Server> {
  const srv = net.createServer((s) => s.once("data", (d: Buffer) => {
    const q = dnsPacket.decode(d.subarray(2));
    const name = q.questions?.[0]?.name ?? "";
    const answers = name === "ext.tcp.test" ? [{ type: "A" as const, name, ttl: 30, data: "192.0.2.9" }] : [];
    s.end(dnsPacket.streamEncode({ type: "response", id: q.id ?? 0, flags: answers.length ? 0 : 3, questions: q.questions ?? [], answers }));
  }));
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve(srv)));
}

describe("the node's DNS server over UDP and TCP", () => {
  const lo = testNet("127.0.1", "127.0.0.0/8");
  let server: DnsServer;
  let upstream: net.Server;
  let port: number;
  before(async () => {
    upstream = await tcpUpstream();
    port = await freePort();
    server = new DnsServer({ log, maps: () => maps(lo), port, upstreams: [{ host: "127.0.0.1", port: (upstream.address() as net.AddressInfo).port }] });
    server.serve(["127.0.0.1"]);
    await eventually(() => server.bound().includes("127.0.0.1"), { what: "bound on 127.0.0.1" });
  });
  after(() => { server?.close(); upstream?.close(); });

  it("a small answer over UDP is whole; a large one says TC and has no records", async () => {
    const [web, big] = await dnsQuery({ proto: "udp", server: "127.0.0.1", port, names: ["web", "big"] });
    assert.deepEqual(web, { rcode: "NOERROR", tc: false, ips: [lo.ip(200)] });
    assert.equal(big!.tc, true);
    assert.deepEqual(big!.ips, []);
  });
  it("over TCP the large answer is complete, and several questions on one connection are all answered", async () => {
    const [big, tasks, none] = await dnsQuery({ proto: "tcp", server: "127.0.0.1", port, names: ["big", "tasks.web", "tasks.nothere"] });
    assert.equal(big!.tc, false);
    assert.deepEqual(big!.ips, Array.from({ length: BIG }, (_, i) => lo.ip(10 + i)).sort());
    assert.deepEqual(tasks!.ips, [lo.ip(201)]);
    assert.equal(none!.rcode, "NXDOMAIN");
  });
  it("a name that is not ours, asked over TCP, is relayed over TCP", async () => {
    const [ext] = await dnsQuery({ proto: "tcp", server: "127.0.0.1", port, names: ["ext.tcp.test"] });
    assert.deepEqual(ext, { rcode: "NOERROR", tc: false, ips: ["192.0.2.9"] });
  });
});

describe("the node's DNS server in another network namespace", () => {
  const name = `jsxd${process.pid % 100000}`;
  const path = `/var/run/netns/${name}`;
  const n = testNet(`10.251.${1 + (process.pid % 250)}`, `10.251.${1 + (process.pid % 250)}.0/24`);
  let server: DnsServer;
  before(async () => {
    await run("ip", ["netns", "add", name]);
    const inNs = (...a: string[]) => run("nsenter", [`--net=${path}`, "ip", ...a]);
    await inNs("link", "set", "lo", "up");
    await inNs("link", "add", "jsxdbr", "type", "bridge");
    await inNs("addr", "add", `${n.gateway}/24`, "dev", "jsxdbr");
    await inNs("link", "set", "jsxdbr", "up");
    server = new DnsServer({ log, maps: () => maps(n), sockets: netnsSockets(path), upstreams: [] });
    server.serve([n.gateway]);
  });
  after(async () => {
    server?.close();
    await run("ip", ["netns", "del", name]).catch(() => undefined);
  });

  it("serves the gateway address that exists only there, over UDP and TCP", async () => {
    await eventually(() => server.bound().includes(n.gateway), { what: `bound on ${n.gateway} in ${name}`, timeoutMs: 20_000 });
    const [udp] = await dnsQuery({ proto: "udp", server: n.gateway, names: ["tasks.web"], netns: path });
    assert.deepEqual(udp!.ips, [n.ip(201)]);
    const [tcp] = await dnsQuery({ proto: "tcp", server: n.gateway, names: ["big"], netns: path });
    assert.equal(tcp!.ips.length, BIG);
  });
});
