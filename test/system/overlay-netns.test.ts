import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { jetstream } from "@nats-io/jetstream";
import { NetMapDoc, macOf, subjects, type NetMapEndpoint, type NodeTaskDoc } from "../../schemas/index.js";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { DockerExecutor, DockerNetworks, NetKernel, NetMaps, Overlay, nsenterExec } from "../../services/agent/index.js";
import { containerConfig } from "../../services/agent/core/container-config.js";
import { testNats } from "../helpers/nats.js";
import { startTestHosts, type TestHost, type TestHosts } from "../helpers/netns-hosts.js";
import { eventually } from "../helpers/eventually.js";
import { IMAGE } from "../helpers/cluster.js";

/*
 * The agent's overlay data plane on real kernels and engines: two netns test hosts, each with its
 * own dockerd, driven by the agent's map follower and overlay reconciler with maps published by
 * hand (as the allocator would) on a real nats-server. Containers are made with the agent's own
 * create body (address, MAC, DNS).
 */

const run = promisify(execFile);
const log = createLogger("overlay-test", "silent");
const NET = "ovnet1";
const VNI = 4242;

interface Node { host: TestHost; nodeId: string; maps: NetMaps; overlay: Overlay; used: Set<string> }

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let hosts: TestHosts;
const nodes: Node[] = [];
let seq = 0;

function endpoint(taskId: string, nodeId: string, ip: string): NetMapEndpoint {
  return { taskId, serviceId: "svc1", serviceName: "web", slot: 1, nodeId, address: `${ip}/24`, mac: macOf(ip), aliases: [], serving: true };
}

/** The map as the allocator would publish it: every node's VTEP and gateway, the given endpoints. */
function netMap(endpoints: NetMapEndpoint[], over: Partial<NetMapDoc> = {}, onNodes = nodes): NetMapDoc {
  return NetMapDoc.parse({
    networkId: NET, name: "front", ingress: false, internal: false, attachable: false, vni: VNI,
    subnet: "10.77.0.0/24", gateway: "10.77.0.1", mtu: 1450, seq: ++seq, removed: false,
    nodes: onNodes.map((n, i) => ({ nodeId: n.nodeId, addr: n.host.addr, gateway: `10.77.0.${i + 2}` })),
    endpoints, services: [], ...over,
  });
}

async function publishMap(doc: NetMapDoc): Promise<void> {
  await jetstream(nc).publish(subjects.netMap(doc.networkId), JSON.stringify(doc));
  nc.publish(subjects.netMapChanged(doc.networkId), JSON.stringify({ seq: doc.seq }));
}

function startNode(host: TestHost, nodeId: string, used = new Set<string>()): Node {
  const maps = new NetMaps(nc, log, { resyncMs: 1000 });
  const overlay = new Overlay({
    maps, engine: new DockerNetworks(host.docker), kernel: new NetKernel(nsenterExec(host.netns)), nodeId, local: host.addr, log,
    used: () => used, resyncMs: 500,
  });
  return { host, nodeId, maps, overlay, used };
}

async function startFollowing(n: Node): Promise<void> {
  await n.maps.start();
  n.overlay.start();
}

async function stopNode(n: Node): Promise<void> {
  await n.overlay.stop();
  n.maps.stop();
}

/** Creates and starts a task container the way the agent does (first network at create, its gateway as DNS). */
async function runTask(n: Node, taskId: string, ip: string, cmd: string): Promise<string> {
  n.used.add(NET);
  await eventually(() => n.overlay.blocked(NET) === undefined, { what: `${NET} ready on ${n.nodeId}` });
  const doc: NodeTaskDoc = {
    taskId, serviceId: "svc1", serviceName: "web", slot: 1, nodeId: n.nodeId, version: 1, removed: false, desiredState: "running",
    spec: { ContainerSpec: { Image: IMAGE, Command: ["sh", "-c", cmd] } },
    networks: [{ networkId: NET, address: `${ip}/24`, mac: macOf(ip) }],
  };
  const x = new DockerExecutor(n.host.docker, log);
  const id = await x.create(containerConfig(doc, [], n.overlay.gateway(NET)));
  await x.start(id);
  return id;
}

async function dockerExec(h: TestHost, id: string, ...cmd: string[]): Promise<string> {
  return (await run("docker", ["exec", id, ...cmd], { env: { ...process.env, DOCKER_HOST: h.dockerHost }, timeout: 20_000 })).stdout;
}

/** iputils ping in the container's namespace: `-M do` (never fragment) with `size` bytes of payload. */
async function pingDf(h: TestHost, id: string, ip: string, size: number): Promise<boolean> {
  const pid = (await h.docker.getContainer(id).inspect()).State.Pid;
  return run("nsenter", ["-t", String(pid), "-n", "ping", "-M", "do", "-s", String(size), "-c", "1", "-W", "2", ip]).then(() => true, () => false);
}

const ping = async (h: TestHost, id: string, ip: string) => dockerExec(h, id, "ping", "-c", "1", "-W", "2", ip).then(() => true, () => false);

async function fdbOf(n: Node): Promise<string[]> {
  return (await new NetKernel(nsenterExec(n.host.netns)).fdb(`jsvx${VNI}`)).map((e) => `${e.mac}>${e.dst}`).sort();
}

describe("overlay data plane across netns test hosts", { timeout: 600_000 }, () => {
  let c1 = "";
  let c2 = "";
  before(async () => {
    nats = await testNats();
    nc = await connectNats({ url: nats.url, name: "overlay-test" });
    await ensureStreams(nc);
    hosts = await startTestHosts(2);
    console.log(`# netns test hosts started in ${hosts.hosts.map((h) => `${h.startMs} ms`).join(", ")}`);
    nodes.push(startNode(hosts.hosts[0]!, "node-h1"), startNode(hosts.hosts[1]!, "node-h2"));
    await publishMap(netMap([]));
    for (const n of nodes) await startFollowing(n);
  });
  after(async () => {
    for (const n of nodes) await stopNode(n).catch(() => undefined);
    await hosts?.cleanup();
    await nc?.close();
    await nats?.cleanup();
  });

  it("two tasks on two hosts reach each other (ping, TCP) with their allocated addresses and MACs", async () => {
    c1 = await runTask(nodes[0]!, "t1", "10.77.0.11", "sleep 3600");
    c2 = await runTask(nodes[1]!, "t2", "10.77.0.12", "while true; do echo pong-from-h2 | nc -l -p 7000; done");
    await publishMap(netMap([endpoint("t1", "node-h1", "10.77.0.11"), endpoint("t2", "node-h2", "10.77.0.12")]));
    const mac = (await dockerExec(hosts.hosts[0]!, c1, "cat", "/sys/class/net/eth0/address")).trim();
    assert.equal(mac, macOf("10.77.0.11"));
    // Docker's embedded DNS (127.0.0.11 in resolv.conf) forwards what it cannot answer to HostConfig.Dns.
    assert.deepEqual((await hosts.hosts[0]!.docker.getContainer(c1).inspect()).HostConfig.Dns, ["10.77.0.2"]);
    await eventually(() => ping(hosts.hosts[0]!, c1, "10.77.0.12"), { what: "h1's task pinging h2's", timeoutMs: 20_000 });
    const got = await eventually(async () => (await dockerExec(hosts.hosts[0]!, c1, "sh", "-c", "nc -w 2 10.77.0.12 7000 </dev/null")).trim() || undefined, { what: "TCP answer" });
    assert.equal(got, "pong-from-h2");
    // The remote node's gateway answers too (DNS and the mesh's SNAT answers travel this way).
    assert.ok(await ping(hosts.hosts[0]!, c1, "10.77.0.3"), "h2's gateway is reachable from h1's task");
  });

  it("a full-MTU packet (1450) crosses the VXLAN; one byte more is refused, not black-holed", async () => {
    assert.equal(await pingDf(hosts.hosts[0]!, c1, "10.77.0.12", 1450 - 28), true);
    assert.equal(await pingDf(hosts.hosts[0]!, c1, "10.77.0.12", 1450 - 27), false);
  });

  it("a deleted bridge is repaired by the resync: the network made again, the task re-connected", async () => {
    await hosts.hosts[0]!.exec("ip", ["link", "del", `jsbr${VNI}`]);
    assert.equal(await ping(hosts.hosts[0]!, c1, "10.77.0.12"), false);
    await eventually(() => ping(hosts.hosts[0]!, c1, "10.77.0.12"), { what: "ping after the repair", timeoutMs: 30_000 });
  });

  it("a restarted reconciler keeps the plumbing and repairs what was lost meanwhile", async () => {
    const [n1] = nodes;
    await stopNode(n1!);
    const before = await fdbOf(n1!);
    await hosts.hosts[0]!.exec("bridge", ["fdb", "del", macOf("10.77.0.12"), "dev", `jsvx${VNI}`, "dst", hosts.hosts[1]!.addr, "self"]);
    await hosts.hosts[0]!.exec("ip", ["neigh", "del", "10.77.0.12", "dev", `jsvx${VNI}`]);
    nodes[0] = startNode(hosts.hosts[0]!, "node-h1", n1!.used);
    await startFollowing(nodes[0]);
    await eventually(async () => JSON.stringify(await fdbOf(nodes[0]!)) === JSON.stringify(before), { what: "fdb restored" });
    await eventually(() => ping(hosts.hosts[0]!, c1, "10.77.0.12"), { what: "ping after restart", timeoutMs: 20_000 });
  });

  it("a node gone from the map: its endpoints and gateway leave the other hosts' fdb and neighbour tables", async () => {
    await publishMap(netMap([endpoint("t1", "node-h1", "10.77.0.11")], {}, [nodes[0]!]));
    const neigh = () => new NetKernel(nsenterExec(hosts.hosts[0]!.netns)).neigh(`jsvx${VNI}`);
    await eventually(async () => (await fdbOf(nodes[0]!)).length === 0 && (await neigh()).length === 0, { what: "h2's entries gone from h1's fdb and neighbours" });
    assert.equal(await ping(hosts.hosts[0]!, c1, "10.77.0.12"), false);
  });

  it("network removed: the local Docker network, bridge and VXLAN go once no task uses it", async () => {
    for (const [i, id] of [c1, c2].entries()) await hosts.hosts[i]!.docker.getContainer(id).remove({ force: true });
    for (const n of nodes) n.used.clear();
    await publishMap(netMap([], { removed: true }));
    for (const n of nodes) {
      await eventually(async () => (await n.host.docker.listNetworks({ filters: { name: [`jetswarm-${NET}`] } })).length === 0, { what: `network gone on ${n.nodeId}` });
      const links = await new NetKernel(nsenterExec(n.host.netns)).linkNames("js");
      assert.deepEqual(links, [], `no jsbr/jsvx left on ${n.nodeId}`);
    }
  });
});
