import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NetMapDoc } from "../../../schemas/index.js";
import { createLogger } from "../../shared/telemetry/index.js";
import { MeshInstaller } from "./mesh-installer.js";
import { NetTools } from "./net-commands.js";

/*
 * Which host commands a mesh sync runs (a recording Exec stands in for the kernel): a sync that
 * changes nothing runs none, except the periodic repair of the bridge's settings.
 */
function ingress(backends: string[], serving = true): NetMapDoc {
  return {
    networkId: "ing", name: "ingress", ingress: true, internal: false, attachable: false, vni: 4096, subnet: "10.255.0.0/24",
    gateway: "10.255.0.1", mtu: 1450, seq: 1, removed: false, nodes: [{ nodeId: "n1", gateway: "10.255.0.3", addr: "192.168.77.1" }],
    services: [{ serviceId: "web", name: "web", endpointMode: "vip", vip: "10.255.0.2/24", aliases: [], ports: [{ Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" }] }],
    endpoints: backends.map((ip, i) => ({ taskId: `t${i}`, serviceId: "web", serviceName: "web", slot: i + 1, nodeId: "n1", address: `${ip}/24`, mac: "02:42:00:00:00:00", aliases: [], serving })),
  };
}

function recorder() {
  const calls: string[] = [];
  const scripts: string[] = [];
  const exec = async (cmd: string, args: string[]) => {
    calls.push(cmd);
    if (cmd === "nft") scripts.push(readFileSync(args[1]!, "utf8"));
    if (cmd === "ip" && args[0] === "-d") return JSON.stringify([{ ifname: "veth1", linkinfo: { info_slave_data: { hairpin: false } } }]);
    return "";
  };
  return { calls, scripts, tools: new NetTools(exec) };
}

describe("mesh installer: execs only when something changed", () => {
  it("first sync: table and bridge settings; same maps again: no command; changed backends: both again (a new local replica's port needs hairpin)", async () => {
    const { calls, tools } = recorder();
    const mesh = new MeshInstaller(createLogger("test", "silent"), "n1", tools, 3);
    await mesh.sync([ingress(["10.255.0.5"])]);
    assert.deepEqual([...calls].sort(), ["ip", "ip", "iptables", "iptables", "nft", "sysctl"]);
    calls.length = 0;
    await mesh.sync([ingress(["10.255.0.5"])]);
    assert.deepEqual(calls, [], "nothing changed: no exec");
    await mesh.sync([ingress(["10.255.0.5", "10.255.0.6"])]);
    assert.deepEqual([...calls].sort(), ["ip", "ip", "iptables", "iptables", "nft", "sysctl"], "a new backend: the table and the settings");
    calls.length = 0;
    await mesh.sync([ingress(["10.255.0.5", "10.255.0.6"])]);
    await mesh.sync([ingress(["10.255.0.5", "10.255.0.6"])]);
    assert.deepEqual(calls, [], "unchanged twice: still no exec");
    await mesh.sync([ingress(["10.255.0.5", "10.255.0.6"])]);
    const repair: string[] = [...calls];
    assert.ok(repair.includes("sysctl") && repair.includes("iptables") && !repair.includes("nft"), `every third unchanged sync repairs the bridge: ${repair.join(" ")}`);
  });
  it("a bridge not there yet is not settled: the next sync tries its settings again", async () => {
    const calls: string[] = [];
    const tools = new NetTools(async (cmd) => {
      calls.push(cmd);
      if (cmd === "ip") throw new Error("Device does not exist");
      return "";
    });
    const mesh = new MeshInstaller(createLogger("test", "silent"), "n1", tools, 100);
    await mesh.sync([ingress(["10.255.0.5"])]);
    calls.length = 0;
    await mesh.sync([ingress(["10.255.0.5"])]);
    assert.deepEqual(calls, ["ip"], "the bridge looked up again, the table not reloaded");
  });
  it("a local task the agent runs is meshed before the map calls it serving; once the map has, the map decides (leaving)", async () => {
    const { scripts, tools } = recorder();
    const mesh = new MeshInstaller(createLogger("test", "silent"), "n1", tools);
    const last = () => scripts[scripts.length - 1] ?? "";
    await mesh.sync([ingress(["10.255.0.5"], false)]);
    assert.doesNotMatch(last(), /10\.255\.0\.5/, "not running here, not serving in the map: no backend");
    await mesh.sync([ingress(["10.255.0.5"], false)], new Set(["t0"]));
    assert.match(last(), /10\.255\.0\.5/, "running here: meshed before the map says so");
    await mesh.sync([ingress(["10.255.0.5"], true)], new Set(["t0"]));
    await mesh.sync([ingress(["10.255.0.5"], false)], new Set(["t0"]));
    assert.doesNotMatch(last(), /10\.255\.0\.5/, "the map took it out (leaving): out, whatever the agent still runs");
  });
});
