import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import Docker from "dockerode";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { ServiceNet } from "../../services/agent/index.js";
import { bridgeName, wireVni, type NetMapDoc } from "../../schemas/index.js";
import { localExec } from "../../services/agent/index.js";
import { dockerUserRules } from "../../services/agent/shell/mesh-installer.js";
import { cleanupTestNets, createTestNet, endpoint, execIn, netMap, runTask, service, type TestNet } from "../helpers/service-net-fixture.js";

/*
 * The routing mesh on one host (DESIGN §6b): table ip jetswarm_mesh DNATs a published port on any
 * local address to the service's serving endpoints on the ingress network. Reached from the host
 * itself (output hook, via localhost) and from a container on another bridge through this host's
 * address there (prerouting, DOCKER-USER). The multi-host case (a node with no replica) needs the
 * overlay's netns hosts.
 */

const docker = new Docker();
const log = createLogger("test", "silent");
const NODE = "node-m";
const run = Math.random().toString(36).slice(2, 7);
const id = (name: string) => `${name}${run}`;
const PORT = 41_000 + Math.floor(Math.random() * 8_000);

let ingress: TestNet;
let outside: TestNet;
let serviceNet: ServiceNet;
const containers = new Map<string, string>();

function maps(serving: string[]): NetMapDoc[] {
  const ports = [{ Protocol: "tcp" as const, TargetPort: 80, PublishedPort: PORT, PublishMode: "ingress" as const }];
  return [netMap(ingress, NODE, [service("pub", { vip: `${ingress.ip(2)}/24`, ports })], [
    endpoint(ingress, id("m1"), "pub", 11, { nodeId: NODE, serving: serving.includes("m1") }),
    endpoint(ingress, id("m2"), "pub", 12, { nodeId: NODE, serving: serving.includes("m2") }),
  ], { ingress: true, name: "ingress" })];
}

/** One request from the host to localhost:PORT (raw: the CGI's reply is bare-LF); the task id that answered. */
function hostGet(): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port: PORT });
    let body = "";
    sock.setTimeout(5000, () => sock.destroy(new Error("timeout")));
    sock.on("connect", () => sock.end("GET /cgi-bin/id HTTP/1.0\r\n\r\n"));
    sock.on("data", (d: Buffer) => { body += d.toString(); });
    sock.on("end", () => resolve(body.trim().split("\n").pop()?.split(" ")[0] ?? ""));
    sock.on("error", reject);
  });
}

before(async () => {
  await cleanupTestNets(docker);
  ingress = await createTestNet(docker, "i");
  outside = await createTestNet(docker, "o");
  for (const [t, n] of [["m1", 11], ["m2", 12]] as const) {
    containers.set(t, (await runTask(docker, { nodeId: NODE, taskId: id(t), nets: [{ net: ingress, ip: ingress.ip(n) }], httpd: true })).id);
  }
  containers.set("o1", (await runTask(docker, { nodeId: "elsewhere", taskId: id("o1"), nets: [{ net: outside, ip: outside.ip(31) }], httpd: false })).id);
  serviceNet = new ServiceNet({ log, nodeId: NODE, docker, upstreams: [] });
  await serviceNet.update(maps(["m1", "m2"]));
});

after(async () => {
  await serviceNet?.stop();
  await localExec("nft", ["delete", "table", "ip", "jetswarm_mesh"]).catch(() => undefined);
  if (ingress) for (const rule of dockerUserRules(bridgeName(wireVni(ingress)))) await localExec("iptables", ["-D", ...rule]).catch(() => undefined);
  await cleanupTestNets(docker);
});

describe("routing mesh (one nftables table per node)", () => {
  it("the published port answers on localhost and spreads over the serving replicas", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) seen.add(await hostGet());
    assert.deepEqual([...seen].sort(), [id("m1"), id("m2")].sort());
  });
  it("answers a container on another bridge through this host's address there (prerouting, DOCKER-USER)", async () => {
    const get = `printf 'GET /cgi-bin/id HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${outside.gateway} ${PORT} | tail -n 1`;
    const r = await execIn(docker, containers.get("o1")!, `for i in $(seq 16); do ${get}; done`);
    const tasks = new Set(r.out.trim().split("\n").map((l) => l.split(" ")[0]));
    assert.deepEqual([...tasks].sort(), [id("m1"), id("m2")].sort(), r.out);
  });
  it("a replica that stops serving leaves the mesh; none serving: the port is refused", async () => {
    await serviceNet.update(maps(["m1"]));
    for (let i = 0; i < 12; i++) assert.equal(await hostGet(), id("m1"));
    await serviceNet.update(maps([]));
    await assert.rejects(hostGet(), /ECONNREFUSED/);
  });
});
