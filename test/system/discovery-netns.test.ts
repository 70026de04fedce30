import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { startTestHosts, type TestHost, type TestHosts } from "../helpers/netns-hosts.js";
import { startNetnsAgents, type NetnsAgents } from "../helpers/netns-agent.js";
import { execIn, stubResolver } from "../helpers/service-net-fixture.js";
import { eventually } from "../helpers/eventually.js";
import dnsPacket from "dns-packet";

/*
 * Service discovery across two netns test hosts (issue #17), through the whole stack: a `swarm up`
 * test cluster (its own node drained), h1's agent running inside h1 (as on a real host) and h2's in
 * the root namespace driving h2's with SWARM_NODE_NETNS (its DNS sockets are opened in h2). From
 * a task on h1: names, aliases, dnsrr, the VIP over both hosts, forwarding to the node's resolver;
 * from h2: hairpin; DNS over TCP on both; a scaled-down task leaving DNS and the VIP during its
 * stop grace period; a killed node's endpoints leaving h1's DNS and VIP.
 */

const run = promisify(execFile);
let c: TestCluster;
let hosts: TestHosts;
let agents: NetnsAgents;
let resolver: { close(): void } | undefined;
let h1: TestHost;
let h2: TestHost;
let client: string;
const WWW = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www";
const EXT = { name: "ext.jetswarm.test", ip: "192.0.2.7" };

async function tasksOf(h: TestHost, svc: string): Promise<Docker.ContainerInfo[]> {
  return h.docker.listContainers({ filters: { label: [`jetswarm.service.name=${svc}`] } });
}
async function overlayIp(h: TestHost, id: string): Promise<string> {
  const nets = (await h.docker.getContainer(id).inspect()).NetworkSettings.Networks;
  const ip = Object.entries(nets).find(([n]) => n.startsWith("jetswarm-"))?.[1]?.IPAddress;
  assert.ok(ip, `container ${id} has an overlay address`);
  return ip;
}
/** Every address `name` resolves to from a container (busybox nslookup: the answer part only). */
async function lookup(h: TestHost, id: string, name: string): Promise<string[]> {
  const out = (await execIn(h.docker, id, `nslookup ${name}`)).out;
  const answer = out.split(/Name:/).slice(1).join("\n");
  return [...answer.matchAll(/Address: (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!).sort();
}
/** One HTTP request from a container to `ip:80`: the replica's hostname ("" when refused). */
async function hit(h: TestHost, id: string, ip: string): Promise<string> {
  return (await execIn(h.docker, id, `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} 80 | tail -n 1`)).out.trim();
}
/** The VIP table in a container's netns (`nft list table ip jetswarm_vip`). */
async function vipTable(h: TestHost, id: string): Promise<string> {
  const pid = (await h.docker.getContainer(id).inspect()).State.Pid;
  return (await run("nsenter", ["-t", String(pid), "-n", "nft", "list", "table", "ip", "jetswarm_vip"])).stdout;
}
/**
 * One DNS question over TCP from a container (busybox has no such client: the framed question is
 * written with printf's octal escapes through nc, the answer read back with od).
 */
async function tcpQueryIn(h: TestHost, id: string, server: string, name: string): Promise<{ rcode: string; tc: boolean; ips: string[] }> {
  const q = dnsPacket.streamEncode({ type: "query", id: 9, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name }] });
  const octal = [...q].map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");
  const out = (await execIn(h.docker, id, `printf '${octal}' | nc -w 3 ${server} 53 | od -An -v -tx1`)).out;
  const bytes = Buffer.from(out.replace(/\s+/g, ""), "hex");
  assert.ok(bytes.length > 2, `an answer over TCP from ${server}: ${out}`);
  const p = dnsPacket.streamDecode(bytes);
  const ips = (p.answers ?? []).flatMap((a) => (a.type === "A" ? [a.data] : [])).sort();
  return { rcode: (p as { rcode?: string }).rcode ?? "", tc: ((p.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0, ips };
}
/** The overlay addresses of a service's running containers on both hosts, sorted. */
async function ipsOf(svc: string): Promise<string[]> {
  const all = await Promise.all([h1, h2].map(async (h) => Promise.all((await tasksOf(h, svc)).map((t) => overlayIp(h, t.Id)))));
  return all.flat().sort();
}
async function running(h: TestHost, svc: string, n: number): Promise<Docker.ContainerInfo[]> {
  return (await eventually(async () => { const t = await tasksOf(h, svc); return t.length === n ? t : undefined; }, { what: `${n} ${svc} on ${h.name}`, timeoutMs: 120_000 }))!;
}

describe("service discovery across netns test hosts", { timeout: 600_000 }, () => {
  before(async () => {
    c = await startTestCluster("xdns");
    // A longer heartbeat than the 2 s default: on this loaded machine a node missing three in a
    // row while alive would be marked down and its tasks replaced in the middle of the checks.
    await c.swarm("update", "--dispatcher-heartbeat", "5s");
    hosts = await startTestHosts(2);
    [h1, h2] = hosts.hosts as [TestHost, TestHost];
    // The nodes' resolver: a stub on the underlay, named by the agents' resolv.conf.
    resolver = await stubResolver({ [EXT.name]: EXT.ip }, { address: hosts.rootAddr, port: 53 });
    const resolvConf = `/tmp/jst-xdns-resolv-${process.pid}.conf`;
    writeFileSync(resolvConf, `nameserver ${hosts.rootAddr}\n`);
    agents = await startNetnsAgents(c, hosts, { outside: [1], resolvConf });
    await eventually(async () => (await c.swarm("node", "ls", "-q")).trim().split("\n").length === 3, { what: "three nodes", timeoutMs: 60_000 });
    await c.swarm("node", "update", "--availability", "drain", c.nodeId);
    await c.swarm("network", "create", "-d", "overlay", "dnet");
    const spread = ["--detach", "--replicas", "2", "--replicas-max-per-node", "1"];
    await Promise.all([
      c.swarm("service", "create", ...spread, "--name", "web", "--network", "name=dnet,alias=api", IMAGE, "sh", "-c", WWW),
      c.swarm("service", "create", ...spread, "--name", "db", "--network", "dnet", "--endpoint-mode", "dnsrr", IMAGE, "sleep", "3600"),
      // Ignores SIGTERM: it stays running for its whole grace period once told to stop.
      c.swarm("service", "create", ...spread, "--name", "slow", "--network", "dnet", "--stop-grace-period", "60s", IMAGE, "sh", "-c", "trap '' TERM; while :; do sleep 1; done"),
      c.swarm("service", "create", "--detach", "--name", "client", "--network", "dnet", "--constraint", `node.id==${agents.agents[0]!.nodeId}`, IMAGE, "sleep", "3600"),
    ]);
    for (const h of [h1, h2]) for (const svc of ["web", "db", "slow"]) await running(h, svc, 1);
    client = (await running(h1, "client", 1))[0]!.Id;
  });
  after(async () => {
    agents?.stop();
    resolver?.close();
    rmSync(`/tmp/jst-xdns-resolv-${process.pid}.conf`, { force: true });
    await hosts?.cleanup();
    await c?.cleanup();
  });

  it("<svc> and its alias → the VIP, tasks.<svc> → the tasks on both hosts; the VIP reaches both; dnsrr → task IPs; other names forwarded", async () => {
    const webs = await Promise.all([h1, h2].map(async (h) => ({ h, id: (await tasksOf(h, "web"))[0]!.Id })));
    const webIps = await ipsOf("web");
    const [vip] = await eventually(async () => { const a = await lookup(h1, client, "web"); return a.length === 1 ? a : undefined; }, { what: "web resolving", timeoutMs: 60_000 }) as string[];
    assert.ok(!webIps.includes(vip!), `web → ${vip}, a VIP, not a task (${webIps.join(",")})`);
    assert.deepEqual(await eventually(async () => { const a = await lookup(h1, client, "tasks.web"); return a.length === 2 ? a : undefined; }, { what: "tasks.web → 2", timeoutMs: 30_000 }), webIps);
    assert.deepEqual(await lookup(h1, client, "api"), [vip]);
    assert.deepEqual(await lookup(h1, client, "db"), await ipsOf("db"));
    assert.deepEqual(await lookup(h1, client, EXT.name), [EXT.ip]);
    const names = new Set(webs.map((w) => w.id.slice(0, 12)));
    const seen = new Set<string>();
    await eventually(async () => { seen.add(await hit(h1, client, vip!)); return [...names].every((n) => seen.has(n)); }, { what: `both replicas through ${vip}`, timeoutMs: 60_000 });
  });

  it("hairpin on the host whose agent drives its namespace from outside: its web task reaches web's VIP", async () => {
    const self = (await tasksOf(h2, "web"))[0]!.Id;
    const [vip] = await eventually(async () => { const a = await lookup(h2, self, "web"); return a.length === 1 ? a : undefined; }, { what: "web resolving on h2", timeoutMs: 60_000 }) as string[];
    assert.deepEqual(await lookup(h2, self, "web"), await lookup(h1, client, "web"));
    assert.match(await eventually(async () => (await hit(h2, self, vip!)) || undefined, { what: "web's VIP from its own task", timeoutMs: 30_000 }) ?? "", /^[0-9a-f]{12}$/);
  });

  it("answers over TCP on both hosts' gateways", async () => {
    const webIps = await ipsOf("web");
    for (const h of [h1, h2]) {
      // The node's gateway on dnet: the DNS server its tasks are given.
      const gw = (await h.docker.getContainer((await tasksOf(h, "web"))[0]!.Id).inspect()).HostConfig.Dns?.[0];
      assert.ok(gw, `${h.name}'s web task has the node's DNS server`);
      // From the task (the source names its network; asked from the host itself, Docker's
      // masquerade rule would rewrite the source to 127.0.0.1 on the way through lo).
      const r = await tcpQueryIn(h, (await tasksOf(h, "db"))[0]!.Id, gw, "tasks.web");
      assert.deepEqual(r, { rcode: "NOERROR", tc: false, ips: webIps }, `over TCP on ${h.name}`);
    }
  });

  it("scale-down: the removed task leaves DNS and the VIP while its container is still stopping", async () => {
    const before = (await lookup(h1, client, "tasks.slow"));
    assert.equal(before.length, 2);
    const t0 = performance.now();
    await c.swarm("service", "update", "--detach", "--replicas", "1", "slow");
    const after = await eventually(async () => { const a = await lookup(h1, client, "tasks.slow"); return a.length === 1 ? a : undefined; }, { what: "tasks.slow → 1", timeoutMs: 30_000 });
    console.log(`# scale-down: the removed task left DNS ${Math.round(performance.now() - t0)} ms after the update`);
    const gone = before.find((ip) => !after!.includes(ip))!;
    const table = await eventually(async () => { const t = await vipTable(h1, client); return t.includes(after![0]!) && !t.includes(gone) ? t : undefined; }, { what: `${gone} out of the client's VIP table`, timeoutMs: 20_000 });
    assert.ok(table);
    const stopping = await Promise.all([h1, h2].map(async (h) => (await tasksOf(h, "slow")).length));
    assert.deepEqual(stopping, [1, 1], "the removed task's container is still running (its grace period)");
  });

  it("a killed node: its endpoints leave the other host's DNS and VIP table", async () => {
    const h2web = await overlayIp(h2, (await tasksOf(h2, "web"))[0]!.Id);
    assert.ok((await vipTable(h1, client)).includes(h2web));
    const t0 = performance.now();
    agents.agents[1]!.kill();
    await eventually(async () => { const a = await lookup(h1, client, "tasks.web"); return a.length === 1 && !a.includes(h2web) ? a : undefined; }, { what: `${h2web} out of tasks.web`, timeoutMs: 60_000 });
    console.log(`# node kill: h2's web task left h1's DNS ${Math.round(performance.now() - t0)} ms after kill -9 of its agent`);
    await eventually(async () => !(await vipTable(h1, client)).includes(h2web), { what: `${h2web} out of the client's VIP table`, timeoutMs: 30_000 });
    assert.deepEqual((await lookup(h1, client, "db")).length, 1);
  });
});
