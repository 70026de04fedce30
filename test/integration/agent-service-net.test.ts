import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import Docker from "dockerode";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { ServiceNet } from "../../services/agent/index.js";
import type { NetMapDoc } from "../../schemas/index.js";
import { eventually } from "../helpers/eventually.js";
import { cleanupTestNets, createTestNet, endpoint, execIn, netMap, runTask, service, stubResolver, type TestNet } from "../helpers/service-net-fixture.js";

/*
 * DNS, VIPs and hairpin on one host with real containers (DESIGN §6b): a plain Docker bridge
 * network stands in for the overlay (same subnet, gateway and bridge name as the map), the maps
 * are built here as the allocator would publish them, and ServiceNet is driven as the agent does.
 */

const docker = new Docker();
const log = createLogger("test", "silent");
const NODE = "node-a";
const run = Math.random().toString(36).slice(2, 7);
const id = (name: string) => `${name}${run}`;

let front: TestNet;
let back: TestNet;
let net: ServiceNet;
let upstream: Awaited<ReturnType<typeof stubResolver>>;
const containers = new Map<string, string>();

function maps(over: { webServing?: Record<string, boolean>; late?: boolean } = {}): NetMapDoc[] {
  const serving = (t: string) => over.webServing?.[t] ?? true;
  return [
    netMap(front, NODE, [
      service("web", { vip: `${front.ip(2)}/24`, aliases: ["www"] }),
      service("db", { endpointMode: "dnsrr" }),
      service("idle", { vip: `${front.ip(3)}/24` }),
    ], [
      endpoint(front, id("w1"), "web", 11, { serving: serving("w1"), aliases: ["primary"] }),
      endpoint(front, id("w2"), "web", 12, { serving: serving("w2") }),
      endpoint(front, id("d1"), "db", 21),
      endpoint(front, id("c1"), "client", 31),
      ...(over.late ? [endpoint(front, id("c2"), "client", 32)] : []),
    ]),
    netMap(back, NODE, [service("cache", { vip: `${back.ip(2)}/24` })], []),
  ];
}

/**
 * `n` HTTP requests from a container to `ip` (busybox nc: the static busybox's wget crashes on a
 * CGI reply and its resolver-using tools on names): the answering task ids and client addresses
 * (`<taskId> <client ip>`; httpd reports IPv4 clients as `[::ffff:a.b.c.d]`).
 */
async function hits(container: string, ip: string, n: number): Promise<string[]> {
  const get = `printf 'GET /cgi-bin/id HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} 80 | tail -n 1`;
  const r = await execIn(docker, container, `for i in $(seq ${n}); do ${get}; done`);
  assert.equal(r.code, 0, r.out);
  return r.out.trim().split("\n").map((l) => l.replace(/\[::ffff:([\d.]+)\]/, "$1"));
}

/** The address `name` resolves to inside the container (busybox nslookup: its own DNS client). */
async function resolve(container: string, name: string): Promise<string> {
  const out = (await execIn(docker, container, `nslookup ${name}`)).out;
  const m = /Name:[^\n]*\n(?:[^\n]*\n)*?Address: ([\d.]+)/.exec(out);
  assert.ok(m, out);
  return m[1]!;
}

before(async () => {
  await cleanupTestNets(docker);
  front = await createTestNet(docker, "f");
  back = await createTestNet(docker, "b");
  upstream = await stubResolver({ "ext.example.test": "192.0.2.7" });
  for (const [t, n] of [["w1", 11], ["w2", 12], ["d1", 21]] as const) {
    containers.set(t, (await runTask(docker, { nodeId: NODE, taskId: id(t), nets: [{ net: front, ip: front.ip(n) }], httpd: true })).id);
  }
  containers.set("c1", (await runTask(docker, { nodeId: NODE, taskId: id("c1"), nets: [{ net: front, ip: front.ip(31) }], httpd: false })).id);
  net = new ServiceNet({ log, nodeId: NODE, docker, upstreams: [{ host: "127.0.0.1", port: upstream.port }] });
  await net.update(maps());
  await eventually(() => net.dnsAddresses().includes(front.gateway), { what: "dns bound on the gateway" });
});

after(async () => {
  await net?.stop();
  upstream?.close();
  await cleanupTestNets(docker);
});

describe("service discovery (the node's DNS server behind Docker's 127.0.0.11)", () => {
  it("<service> → its VIP; tasks.<service> → every serving task; dnsrr → task addresses; aliases", async () => {
    const c = containers.get("c1")!;
    assert.match((await execIn(docker, c, "nslookup web")).out, new RegExp(`Address: ${front.ip(2)}\\b`));
    assert.match((await execIn(docker, c, "nslookup www")).out, new RegExp(`Address: ${front.ip(2)}\\b`));
    const tasks = (await execIn(docker, c, "nslookup tasks.web")).out;
    assert.match(tasks, new RegExp(`Address: ${front.ip(11)}\\b`));
    assert.match(tasks, new RegExp(`Address: ${front.ip(12)}\\b`));
    const db = (await execIn(docker, c, "nslookup db")).out;
    assert.match(db, new RegExp(`Address: ${front.ip(21)}\\b`));
    assert.doesNotMatch(db, new RegExp(`Address: ${front.ip(2)}\\b`));
    assert.match((await execIn(docker, c, "nslookup primary")).out, new RegExp(`Address: ${front.ip(11)}\\b`));
  });
  it("a name that is not ours is forwarded to the node's resolver and its answer relayed", async () => {
    assert.match((await execIn(docker, containers.get("c1")!, "nslookup ext.example.test")).out, /Address: 192\.0\.2\.7\b/);
  });
  it("a service on another network is NXDOMAIN", async () => {
    const r = await execIn(docker, containers.get("c1")!, "nslookup cache");
    assert.match(r.out, /NXDOMAIN/);
    assert.doesNotMatch(r.out, new RegExp(back.ip(2).replace(/\./g, "\\.")));
  });
});

describe("VIP load balancing (nftables DNAT in the client's netns)", () => {
  it("spreads requests over both backends, and each backend sees the client's own address", async () => {
    const c = containers.get("c1")!;
    const vip = await resolve(c, "web");
    assert.equal(vip, front.ip(2));
    const lines = await hits(c, vip, 24);
    const tasks = new Set(lines.map((l) => l.split(" ")[0]));
    assert.deepEqual([...tasks].sort(), [id("w1"), id("w2")].sort(), lines.join("\n"));
    for (const l of lines) assert.equal(l.split(" ")[1], front.ip(31), l);
  });
  it("hairpin: a task reaches its own service's VIP (itself among the backends)", async () => {
    const lines = await hits(containers.get("w1")!, front.ip(2), 16);
    assert.ok(lines.some((l) => l.startsWith(`${id("w1")} `)), lines.join("\n"));
  });
  it("a VIP with no serving endpoint refuses at once instead of hanging", async () => {
    const r = await execIn(docker, containers.get("c1")!, `nc -w 20 ${front.ip(3)} 80 </dev/null`);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /refused/i);
  });
  it("scale-down: a task that stops serving leaves DNS and the VIP while its container still runs", async () => {
    await net.update(maps({ webServing: { w2: false } }));
    const c = containers.get("c1")!;
    const tasks = (await execIn(docker, c, "nslookup tasks.web")).out;
    assert.doesNotMatch(tasks, new RegExp(`Address: ${front.ip(12)}\\b`));
    const lines = await hits(c, front.ip(2), 16);
    assert.deepEqual([...new Set(lines.map((l) => l.split(" ")[0]))], [id("w1")], lines.join("\n"));
    assert.equal((await docker.getContainer(containers.get("w2")!).inspect()).State.Running, true);
    await net.update(maps());
  });
  it("a container that asks at once after it starts gets the VIP only once its rules exist (the answer is held)", async () => {
    await net.update(maps({ late: true }));
    // No pass has seen this container: its first VIP question must bring its rules before the answer.
    const c2 = (await runTask(docker, { nodeId: NODE, taskId: id("c2"), nets: [{ net: front, ip: front.ip(32) }], httpd: false })).id;
    containers.set("c2", c2);
    const get = `printf 'GET /cgi-bin/id HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${front.ip(2)} 80 | tail -n 1`;
    const r = await execIn(docker, c2, `nslookup web >/dev/null && ${get}`);
    assert.match(r.out, new RegExp(`^(${id("w1")}|${id("w2")}) `), r.out);
  });
  it("a backend merely added to a working VIP comes in with the pass ServiceNet schedules for its batch (nothing else triggers one)", async () => {
    const webBackends = () => net.vipTargetsOf(id("c1"))?.find((t) => t.vip === front.ip(2))?.backends ?? [];
    // Both in (passes asked for here), so that taking w2 out reloads c1's table now.
    await eventually(async () => { await net.update(maps({ late: true })); return webBackends().includes(front.ip(12)); }, { what: "both backends", timeoutMs: 15_000 });
    await net.update(maps({ late: true, webServing: { w2: false } }));
    assert.deepEqual(webBackends(), [front.ip(11)], "a backend gone: applied in the pass");
    // Re-added right after a reload: held back (VIP_BATCH_MS), and no map change, resync or DNS question follows.
    await net.update(maps({ late: true }));
    await eventually(() => webBackends().includes(front.ip(12)), { what: "w2 back behind the VIP", timeoutMs: 15_000 });
  });
});
