import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { docker, IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { execIn } from "../helpers/service-net-fixture.js";

/*
 * The whole path on one node, with no extra step (issue #17): `swarm network create`, services on
 * it, the allocator's maps, the agent's overlay, DNS, VIP and routing mesh — through the CLI.
 */
let c: TestCluster;
before(async () => { c = await startTestCluster("dnsvip"); });
after(async () => { await c?.cleanup(); });

const PORT = 30_000 + Math.floor(Math.random() * 2_700);
const WWW = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www";

async function running(svc: string, n: number): Promise<string[]> {
  try {
    const ids = await eventually(async () => {
      const ctrs = await c.containers({ running: true, service: svc });
      return ctrs.length === n ? ctrs.map((x) => x.Id) : false;
    }, { timeoutMs: 90_000, what: `${n} running containers of ${svc}` });
    return ids || [];
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await c.swarm("service", "ps", "--no-trunc", svc).catch((e: Error) => e.message)}`);
  }
}

function getLocal(): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port: PORT });
    let body = "";
    sock.setTimeout(3000, () => sock.destroy(new Error("timeout")));
    sock.on("connect", () => sock.end("GET / HTTP/1.0\r\n\r\n"));
    sock.on("data", (d: Buffer) => { body += d.toString(); });
    sock.on("end", () => resolve(body.trim().split("\n").pop() ?? ""));
    sock.on("error", reject);
  });
}

describe("service discovery, VIP and routing mesh through swarm up's stack", () => {
  it("a task resolves <svc> to its VIP and tasks.<svc> to both replicas, reaches them through the VIP; the published port answers", async () => {
    await c.swarm("network", "create", "-d", "overlay", "front");
    await c.swarm("service", "create", "--detach", "--name", "web", "--network", "front", "--replicas", "2", "--publish", `${PORT}:80`, IMAGE, "sh", "-c", WWW);
    await c.swarm("service", "create", "--detach", "--name", "client", "--network", "front", IMAGE, "sleep", "3600");
    const webs = await running("web", 2);
    const [client] = await running("client", 1);
    const ips = await Promise.all(webs.map(async (id) => Object.values((await docker.getContainer(id).inspect()).NetworkSettings.Networks).map((n) => n.IPAddress)));
    const vip = await eventually(async () => /Address: (\d+\.\d+\.\d+\.\d+)/.exec((await execIn(docker, client!, "nslookup web")).out.split("Name:")[1] ?? "")?.[1], { what: "web resolving", timeoutMs: 60_000 });
    const tasks = await eventually(async () => {
      const out = (await execIn(docker, client!, "nslookup tasks.web")).out;
      return (out.match(/Address: \d+\.\d+\.\d+\.\d+/g) ?? []).length >= 2 ? out : false;
    }, { what: "tasks.web resolving to 2 addresses", timeoutMs: 60_000 });
    for (const list of ips) assert.ok(list.some((ip) => String(tasks).includes(`Address: ${ip}`)), `${list.join(",")} in\n${tasks}`);
    const hostnames = new Set<string>();
    await eventually(async () => {
      const r = await execIn(docker, client!, `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${vip} 80 | tail -n 1`);
      if (r.out.trim()) hostnames.add(r.out.trim());
      return hostnames.size === 2;
    }, { what: "both replicas through the VIP", timeoutMs: 60_000 });
    await eventually(async () => (await getLocal().catch(() => "")) !== "", { what: `localhost:${PORT} through the mesh`, timeoutMs: 60_000 });
  });
});
