import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { jetstream } from "@nats-io/jetstream";
import { NetMapDoc, macOf, subjects, type NodeTaskDoc } from "../../schemas/index.js";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { DockerExecutor, DockerNetworks, NetKernel, NetMaps, Overlay, ServiceNet, followMaps, nsenterExec } from "../../services/agent/index.js";
import { containerConfig } from "../../services/agent/core/container-config.js";
import { testNats } from "../helpers/nats.js";
import { startTestHosts, type TestHost, type TestHosts } from "../helpers/netns-hosts.js";
import { eventually } from "../helpers/eventually.js";
import { IMAGE } from "../helpers/cluster.js";

/*
 * The routing mesh across two netns test hosts, each with its own dockerd, driven by the agent's
 * map follower, overlay and ServiceNet with an ingress map published by hand (as the allocator
 * would): the only replica runs on h1, and the published port answers on h2 too.
 */

const log = createLogger("mesh-test", "silent");
const NET = "ingress-m";
const VNI = 4343;
const PORT = 30_080;

interface Node { host: TestHost; nodeId: string; maps: NetMaps; overlay: Overlay; services: ReturnType<typeof followMaps> }

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let hosts: TestHosts;
const nodes: Node[] = [];
let seq = 0;

function ingressMap(serving: boolean): NetMapDoc {
  return NetMapDoc.parse({
    networkId: NET, name: "ingress", ingress: true, internal: false, attachable: false, vni: VNI,
    subnet: "10.78.0.0/24", gateway: "10.78.0.1", mtu: 1450, seq: ++seq, removed: false,
    nodes: nodes.map((n, i) => ({ nodeId: n.nodeId, addr: n.host.addr, gateway: `10.78.0.${i + 2}` })),
    endpoints: [{ taskId: "t1", serviceId: "svc1", serviceName: "pub", slot: 1, nodeId: "node-h1", address: "10.78.0.11/24", mac: macOf("10.78.0.11"), aliases: [], serving }],
    services: [{ serviceId: "svc1", name: "pub", endpointMode: "vip", vip: "10.78.0.5/24", aliases: [], ports: [{ Protocol: "tcp", TargetPort: 80, PublishedPort: PORT, PublishMode: "ingress" }] }],
  });
}

async function publishMap(doc: NetMapDoc): Promise<void> {
  await jetstream(nc).publish(subjects.netMap(doc.networkId), JSON.stringify(doc));
  nc.publish(subjects.netMapChanged(doc.networkId), JSON.stringify({ seq: doc.seq }));
}

async function startNode(host: TestHost, nodeId: string): Promise<Node> {
  const maps = new NetMaps(nc, log, { resyncMs: 1000 });
  const overlay = new Overlay({
    maps, engine: new DockerNetworks(host.docker), kernel: new NetKernel(nsenterExec(host.netns)), nodeId, local: host.addr, log,
    used: () => new Set<string>(), resyncMs: 500,
  });
  await maps.start();
  overlay.start();
  const sn = new ServiceNet({ log, nodeId, docker: host.docker, upstreams: [], exec: nsenterExec(host.netns) });
  return { host, nodeId, maps, overlay, services: followMaps(sn, maps, log, 1000) };
}

/** One HTTP request from the root namespace to `addr:PORT`; the last line of the reply. */
function get(addr: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: addr, port: PORT });
    let body = "";
    sock.setTimeout(3000, () => sock.destroy(new Error("timeout")));
    sock.on("connect", () => sock.end("GET /cgi-bin/id HTTP/1.0\r\n\r\n"));
    sock.on("data", (d: Buffer) => { body += d.toString(); });
    sock.on("end", () => resolve(body.trim().split("\n").pop() ?? ""));
    sock.on("error", reject);
  });
}

describe("routing mesh across netns test hosts", { timeout: 600_000 }, () => {
  before(async () => {
    nats = await testNats();
    nc = await connectNats({ url: nats.url, name: "mesh-test" });
    await ensureStreams(nc);
    hosts = await startTestHosts(2);
    nodes.push({ nodeId: "node-h1", host: hosts.hosts[0]! } as Node, { nodeId: "node-h2", host: hosts.hosts[1]! } as Node);
    await publishMap(ingressMap(true));
    nodes.splice(0, 2, await startNode(hosts.hosts[0]!, "node-h1"), await startNode(hosts.hosts[1]!, "node-h2"));
  });
  after(async () => {
    for (const n of nodes) { await n.services?.stop().catch(() => undefined); await n.overlay?.stop().catch(() => undefined); n.maps?.stop(); }
    await hosts?.cleanup();
    await nc?.close();
    await nats?.cleanup();
  });

  it("a published port answers on the host that runs no replica (and on the one that does)", async () => {
    const h1 = nodes[0]!;
    await eventually(() => nodes.every((n) => n.overlay.blocked(NET) === undefined), { what: "ingress built on both hosts", timeoutMs: 60_000 });
    const cgi = "printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho t1 $REMOTE_ADDR\\n' > /www/cgi-bin/id";
    const doc: NodeTaskDoc = {
      taskId: "t1", serviceId: "svc1", serviceName: "pub", slot: 1, nodeId: "node-h1", version: 1, removed: false, desiredState: "running",
      spec: { ContainerSpec: { Image: IMAGE, Command: ["sh", "-c", `mkdir -p /www/cgi-bin && ${cgi} && chmod +x /www/cgi-bin/id && exec httpd -f -p 80 -h /www`] } },
      networks: [{ networkId: NET, address: "10.78.0.11/24", mac: macOf("10.78.0.11") }],
    };
    const x = new DockerExecutor(h1.host.docker, log);
    await x.start(await x.create(containerConfig(doc, [], h1.overlay.gateway(NET))));
    const viaH2 = await eventually(() => get(hosts.hosts[1]!.addr), { what: "the published port on h2", timeoutMs: 60_000 });
    assert.match(viaH2, /^t1 /);
    assert.match(await eventually(() => get(hosts.hosts[0]!.addr), { what: "the published port on h1", timeoutMs: 30_000 }), /^t1 /);
  });

  it("the replica leaves the mesh when it stops serving: refused on both hosts", async () => {
    await publishMap(ingressMap(false));
    for (const h of hosts.hosts) await eventually(() => get(h.addr).then(() => false, (err: Error) => /ECONNREFUSED/.test(err.message)), { what: `refused on ${h.name}`, timeoutMs: 30_000 });
  });
});
