import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type Docker from "dockerode";
import type { NetMapDoc } from "../../../schemas/index.js";
import { createLogger } from "../../shared/telemetry/index.js";
import { ServiceNet } from "./service-net.js";

/*
 * ServiceNet's scheduling of passes, with the node's commands recorded (no kernel) and an engine
 * stand-in whose container list is held: a pass in flight stays in flight until the test lets it go.
 */
function ingress(serving: boolean): NetMapDoc {
  return {
    networkId: "ing", name: "ingress", ingress: true, internal: false, attachable: false, vni: 4096, subnet: "10.255.0.0/24",
    gateway: "10.255.0.1", mtu: 1450, seq: 1, removed: false, nodes: [{ nodeId: "n1", gateway: "10.255.0.3", addr: "192.168.77.1" }],
    services: [{ serviceId: "web", name: "web", endpointMode: "vip", vip: "10.255.0.2/24", aliases: [], ports: [{ Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" }] }],
    endpoints: [{ taskId: "t0", serviceId: "web", serviceName: "web", slot: 1, nodeId: "n1", address: "10.255.0.5/24", mac: "02:42:0a:ff:00:05", aliases: [], serving }],
  };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("service net: a task reaching running", () => {
  it("gets its mesh backend while a pass is still in flight (its VIP half held), and the full pass still follows", async () => {
    const scripts: string[] = [];
    const exec = async (cmd: string, args: string[]) => {
      if (cmd === "nft") scripts.push(readFileSync(args[1]!, "utf8"));
      return cmd === "ip" && args[0] === "-d" ? "[]" : "";
    };
    let lists = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => { release = r; });
    const docker = { listContainers: async () => { lists++; await held; return []; } } as unknown as Docker;
    const serving = new Set<string>();
    const net = new ServiceNet({ log: createLogger("test", "silent"), nodeId: "n1", docker, exec, localServing: () => serving, upstreams: [], dnsPort: 20053 });
    try {
      const maps = [ingress(false)];
      const first = net.update(maps);
      await until("the first pass's mesh half", () => scripts.length === 1);
      assert.doesNotMatch(scripts[0]!, /10\.255\.0\.5/, "not running yet: no backend");
      serving.add("t0");
      const done = net.taskRunning(maps);
      await until("the mesh sends 8080 to the task while the pass is held", () => scripts.some((s) => /10\.255\.0\.5/.test(s)));
      assert.equal(lists, 1, "the first pass is still in flight");
      release();
      await Promise.all([first, done]);
      assert.equal(lists, 2, "a full pass followed");
    } finally {
      release();
      await net.stop();
    }
  });
});
