import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NetMapDoc } from "../../../schemas/index.js";
import { createLogger } from "../../shared/telemetry/index.js";
import { NetTools } from "./net-commands.js";
import { VIP_BATCH_MS, VipInstaller, type NetClient } from "./vip-installer.js";

/*
 * When a container's VIP table is reloaded (a recording NetTools stands in for nsenter … nft; the
 * clock is data): backends merely added to a working VIP are held back and `sync` answers when
 * they fall due, which is when ServiceNet's loop runs the next pass.
 */
class Recorded extends NetTools {
  readonly loads: { pid: number | undefined; script: string }[] = [];
  override async nftLoad(script: string, pid?: number): Promise<void> { this.loads.push({ pid, script }); }
  override async conntrackFlush(): Promise<void> {}
}

function net(backends: string[]): NetMapDoc {
  return {
    networkId: "n", name: "net", ingress: false, internal: false, attachable: false, vni: 4097, subnet: "10.0.9.0/24",
    gateway: "10.0.9.1", mtu: 1450, seq: 1, removed: false, nodes: [{ nodeId: "n1", gateway: "10.0.9.1", addr: "192.168.77.1" }],
    services: [{ serviceId: "web", name: "web", endpointMode: "vip", vip: "10.0.9.2/24", aliases: [], ports: [] }],
    endpoints: backends.map((ip, i) => ({ taskId: `t${i}`, serviceId: "web", serviceName: "web", slot: i + 1, nodeId: "n1", address: `${ip}/24`, mac: "02:42:00:00:00:00", aliases: [], serving: true })),
  };
}

const client = (taskId: string, pid: number, ip: string): NetClient => ({ taskId, pid, networks: [{ networkId: "n", ip }] });

describe("vip installer: batched additions and when they fall due", () => {
  it("a new client and a VIP's first backend at once; an added backend held until due, then loaded", async () => {
    let t = 10_000;
    const tools = new Recorded();
    const vips = new VipInstaller(createLogger("test", "silent"), tools, () => t);
    const c = client("c", 7, "10.0.9.50");
    assert.equal(await vips.sync([net([])], [c]), undefined, "new client: loaded at once");
    t += 10;
    assert.equal(await vips.sync([net(["10.0.9.5"])], [c]), undefined, "the VIP's first backend: at once");
    assert.equal(tools.loads.length, 2);
    t += 10;
    const due = await vips.sync([net(["10.0.9.5", "10.0.9.6"])], [c]);
    assert.equal(due, 10_010 + VIP_BATCH_MS, "a backend merely added: due VIP_BATCH_MS after the last load");
    assert.equal(tools.loads.length, 2, "not loaded yet");
    assert.deepEqual(vips.targetsOf("c"), [{ vip: "10.0.9.2", backends: ["10.0.9.5"] }]);
    t = due!;
    assert.equal(await vips.sync([net(["10.0.9.5", "10.0.9.6"])], [c]), undefined, "due: loaded, nothing waits");
    assert.equal(tools.loads.length, 3);
    assert.deepEqual(vips.targetsOf("c"), [{ vip: "10.0.9.2", backends: ["10.0.9.5", "10.0.9.6"] }]);
  });

  it("a removed backend is applied at once; with several clients held, the earliest due is answered", async () => {
    let t = 0;
    const tools = new Recorded();
    const vips = new VipInstaller(createLogger("test", "silent"), tools, () => t);
    const a = client("a", 7, "10.0.9.50");
    const b = client("b", 8, "10.0.9.51");
    await vips.sync([net(["10.0.9.5"])], [a]);
    t = 500;
    await vips.sync([net(["10.0.9.5"])], [a, b]);
    t = 600;
    assert.equal(await vips.sync([net(["10.0.9.5", "10.0.9.6"])], [a, b]), VIP_BATCH_MS, "a's batch falls due first");
    assert.equal(await vips.sync([net([])], [a, b]), undefined, "the backend gone: both reloaded at once, nothing held");
    assert.deepEqual(tools.loads.map((l) => l.pid), [7, 8, 7, 8]);
  });
});
