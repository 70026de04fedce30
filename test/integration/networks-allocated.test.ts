import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { type ServiceDeps } from "../../services/shared/runtime/index.js";
import { start as startApi, type RunningApi } from "../../services/api/index.js";
import { start as startAllocator } from "../../services/allocator/index.js";
import { projectRoot } from "../../deploy/launcher/nats-server.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";
import { serveTestCa } from "../helpers/cluster-keys.js";

/*
 * Networks end to end with the real allocator (in-process) against a real nats-server: the pools
 * given at init, the ingress network's and a user network's subnets and VNIs, a service's VIPs and
 * its published ports (given and auto-assigned), as `network inspect`, `service inspect` and
 * `service ls` show them.
 */
let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let api: RunningApi;
let emptyDataDir: string;
const stops: (() => Promise<void>)[] = [];

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot(), "dist/cli/main.js"), "--host", api.url, ...args],
      { env: { ...process.env, SWARM_NODE_ID: "", SWARM_DATA_DIR: emptyDataDir }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}
const get = async (path: string) => (await fetch(api.url + path)).json() as Promise<any>;
const deps = (id: string): ServiceDeps => ({ nc, store: new JetStreamEventStore(nc), log: createLogger(id, "silent"), instanceId: id });

before(async () => {
  emptyDataDir = mkdtempSync(join(tmpdir(), "jetswarm-networks-allocated-"));
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "networks-allocated-test" });
  await ensureStreams(nc);
  const ca = await serveTestCa(nc, new JetStreamEventStore(nc));
  stops.push(() => ca.stop());
  api = await startApi(deps("api-net"), { listen: "127.0.0.1:0", insecureHttp: true });
  stops.push(() => api.stop());
  const allocator = await startAllocator(deps("allocator-net"));
  stops.push(() => allocator.stop());
  const init = await fetch(`${api.url}/swarm/init`, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ NodeName: "m1", DefaultAddrPool: ["10.30.0.0/16"], SubnetSize: 24 }) });
  assert.equal(init.status, 200);
});
after(async () => {
  for (const stop of stops.reverse()) await stop();
  await nc?.drain();
  await nats?.cleanup();
  rmSync(emptyDataDir, { recursive: true, force: true });
});

const allocated = async (name: string) => {
  let n: any;
  await eventually(async () => (n = await get(`/networks/${name}`)).IPAM.Config[0]?.Subnet !== undefined, { what: `${name} allocated` });
  return n;
};

describe("networks with the allocator", () => {
  it("the ingress network and a user network get subnets from the cluster's pool and their own VNIs", async () => {
    const ingress = await allocated("ingress");
    assert.match(ingress.IPAM.Config[0].Subnet, /^10\.30\.\d+\.0\/24$/);
    assert.equal((await cli("network", "create", "front")).code, 0);
    const front = await allocated("front");
    assert.match(front.IPAM.Config[0].Subnet, /^10\.30\.\d+\.0\/24$/);
    assert.notEqual(front.IPAM.Config[0].Subnet, ingress.IPAM.Config[0].Subnet);
    const vni = (n: any) => n.Options["com.docker.network.driver.overlay.vxlanid_list"];
    assert.ok(vni(front) && vni(ingress) && vni(front) !== vni(ingress), `${vni(front)} vs ${vni(ingress)}`);
    assert.equal((await cli("network", "inspect", "-f", "{{json .IPAM.Config}}", "front")).stdout.trim(), JSON.stringify(front.IPAM.Config));
  });

  it("a service gets a VIP on its network and on ingress, and its ports (given and auto-assigned) show in inspect and ls", async () => {
    const web = await cli("service", "create", "--detach", "--name", "web", "--network", "front", "-p", "8080:80", "-p", "81", "busybox:1");
    assert.equal(web.code, 0, web.stderr);
    const nets = Object.fromEntries((await get("/networks")).map((n: any) => [n.Name, n]));
    let svc: any;
    await eventually(async () => (svc = JSON.parse((await cli("service", "inspect", "web")).stdout)[0]).Endpoint.VirtualIPs?.length === 2,
      { what: "web's VIPs" });
    const vips = Object.fromEntries(svc.Endpoint.VirtualIPs.map((v: any) => [v.NetworkID, v.Addr]));
    for (const name of ["front", "ingress"]) {
      const subnet = nets[name].IPAM.Config[0].Subnet as string;
      assert.ok(vips[nets[name].Id]?.startsWith(subnet.split(".").slice(0, 3).join(".") + "."), `${name} VIP ${vips[nets[name].Id]} in ${subnet}`);
    }
    const ports = svc.Endpoint.Ports.map((p: any) => [p.TargetPort, p.PublishedPort]).sort();
    assert.deepEqual(ports, [[80, 8080], [81, 30000]]);
    assert.match((await cli("service", "ls")).stdout, /\bweb\s+replicated\s+0\/1\s+busybox:1\s+\*:8080->80\/tcp, \*:30000->81\/tcp\n/);
  });
});
