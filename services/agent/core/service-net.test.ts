import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NetMapDoc, NetMapEndpoint, NetMapService } from "../../../schemas/index.js";
import { answerQuery } from "./dns-answer.js";
import { inSubnet } from "./ipv4.js";
import { meshPorts, meshScript } from "./mesh-rules.js";
import { removedBackends, vipScript, vipTargets } from "./vip-rules.js";

function ep(taskId: string, serviceId: string, address: string, over: Partial<NetMapEndpoint> = {}): NetMapEndpoint {
  return { taskId, serviceId, serviceName: serviceId, slot: 1, nodeId: "n1", address, mac: "02:42:00:00:00:00", aliases: [], serving: true, ...over };
}
function svc(serviceId: string, over: Partial<NetMapService> = {}): NetMapService {
  return { serviceId, name: serviceId, endpointMode: "vip", aliases: [], ports: [], ...over };
}
function map(networkId: string, subnet: string, services: NetMapService[], endpoints: NetMapEndpoint[], over: Partial<NetMapDoc> = {}): NetMapDoc {
  return {
    networkId, name: networkId, ingress: false, internal: false, attachable: false, vni: 4097, subnet,
    gateway: subnet.replace(/0\/24$/, "1"), mtu: 1450, seq: 1, removed: false, nodes: [], services, endpoints, ...over,
  };
}

const front = map("front", "10.0.1.0/24", [
  svc("web", { vip: "10.0.1.2/24", aliases: ["www"] }),
  svc("db", { endpointMode: "dnsrr" }),
], [
  ep("t1", "web", "10.0.1.5/24", { aliases: ["primary"] }),
  ep("t2", "web", "10.0.1.6/24"),
  ep("t3", "web", "10.0.1.7/24", { serving: false }),
  ep("t4", "db", "10.0.1.9/24", { slot: 2 }),
]);
const back = map("back", "10.0.2.0/24", [svc("cache", { vip: "10.0.2.2/24" })], [ep("c1", "cache", "10.0.2.5/24")]);
const maps = [front, back];

describe("dns answers (the asker's network is the map whose subnet holds its address)", () => {
  it("<service> → its VIP in vip mode (held for the VIP rules), also as <service>.<network> and by alias", () => {
    assert.deepEqual(answerQuery(maps, "10.0.1.6", "web", "A"), { kind: "answer", networkId: "front", ips: ["10.0.1.2"], vip: "10.0.1.2" });
    assert.deepEqual(answerQuery(maps, "10.0.1.6", "WEB.front.", "A"), { kind: "answer", networkId: "front", ips: ["10.0.1.2"], vip: "10.0.1.2" });
    assert.deepEqual(answerQuery(maps, "10.0.1.6", "www", "A"), { kind: "answer", networkId: "front", ips: ["10.0.1.2"], vip: "10.0.1.2" });
  });
  it("tasks.<service> → every serving task's address; a task no longer serving is left out", () => {
    assert.deepEqual(answerQuery(maps, "10.0.1.9", "tasks.web", "A"), { kind: "answer", networkId: "front", ips: ["10.0.1.5", "10.0.1.6"] });
  });
  it("dnsrr → the serving task addresses; an attachment alias → its task; a task name → its address", () => {
    assert.deepEqual(answerQuery(maps, "10.0.1.5", "db", "A"), { kind: "answer", networkId: "front", ips: ["10.0.1.9"] });
    assert.deepEqual(answerQuery(maps, "10.0.1.9", "primary", "A"), { kind: "answer", networkId: "front", ips: ["10.0.1.5"] });
    assert.deepEqual(answerQuery(maps, "10.0.1.5", "db.2.t4", "A"), { kind: "answer", networkId: "front", ips: ["10.0.1.9"] });
  });
  it("a known name asked for AAAA: no data (NOERROR), not forwarded", () => {
    assert.deepEqual(answerQuery(maps, "10.0.1.5", "web", "AAAA"), { kind: "answer", networkId: "front", ips: [] });
  });
  it("a service on another network → NXDOMAIN; tasks.<unknown> → NXDOMAIN; other names → forward", () => {
    assert.deepEqual(answerQuery(maps, "10.0.1.5", "cache", "A"), { kind: "nxdomain" });
    assert.deepEqual(answerQuery(maps, "10.0.1.5", "tasks.nothing", "A"), { kind: "nxdomain" });
    assert.deepEqual(answerQuery(maps, "10.0.1.5", "example.org", "A"), { kind: "forward" });
    assert.deepEqual(answerQuery(maps, "192.168.9.9", "example.org", "A"), { kind: "forward" });
  });
  it("a removed network's map answers nothing", () => {
    assert.deepEqual(answerQuery([{ ...back, removed: true }], "10.0.2.5", "cache", "A"), { kind: "forward" });
  });
});

describe("vip rules", () => {
  it("targets: every vip-mode service on the client's networks with its serving backends", () => {
    assert.deepEqual(vipTargets(maps, ["front"]), [{ vip: "10.0.1.2", backends: ["10.0.1.5", "10.0.1.6"] }]);
    assert.deepEqual(vipTargets(maps, ["front", "back"]).map((t) => t.vip), ["10.0.1.2", "10.0.2.2"]);
  });
  it("script: numgen DNAT over the backends, a single backend directly, an empty VIP rejected", () => {
    const s = vipScript([{ vip: "10.0.1.2", backends: ["10.0.1.5", "10.0.1.6"] }, { vip: "10.0.1.3", backends: ["10.0.1.8"] }, { vip: "10.0.1.4", backends: [] }]);
    assert.match(s, /ip daddr 10\.0\.1\.2 dnat to numgen random mod 2 map \{ 0 : 10\.0\.1\.5, 1 : 10\.0\.1\.6 \}/);
    assert.match(s, /ip daddr 10\.0\.1\.3 dnat to 10\.0\.1\.8\n/);
    assert.match(s, /ip daddr \{ 10\.0\.1\.4 \} meta l4proto tcp reject with tcp reset/);
    assert.doesNotMatch(s, /10\.0\.1\.4 dnat/);
  });
  it("removed backends are the ones whose conntrack entries are flushed", () => {
    assert.deepEqual(removedBackends([{ vip: "v", backends: ["a", "b"] }], [{ vip: "v", backends: ["b"] }]), ["a"]);
  });
});

describe("routing mesh rules", () => {
  const ingress = map("ingress", "10.255.0.0/24", [
    svc("web", { vip: "10.255.0.2/24", ports: [{ Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" }, { Protocol: "udp", TargetPort: 53, PublishedPort: 5353 }, { TargetPort: 22, PublishedPort: 2222, PublishMode: "host" }] }),
  ], [ep("t1", "web", "10.255.0.5/24"), ep("t2", "web", "10.255.0.6/24"), ep("t3", "web", "10.255.0.7/24", { serving: false })], { ingress: true });
  it("ingress ports (tcp and udp) over the serving endpoints; host-mode ports are not meshed", () => {
    assert.deepEqual(meshPorts(ingress), [
      { protocol: "udp", published: 5353, target: 53, backends: ["10.255.0.5", "10.255.0.6"] },
      { protocol: "tcp", published: 8080, target: 80, backends: ["10.255.0.5", "10.255.0.6"] },
    ]);
  });
  it("script: marked DNAT on local addresses in prerouting and output, SNAT of marked packets to the gateway", () => {
    const s = meshScript(meshPorts(ingress), "10.255.0.1");
    assert.equal(s.match(/fib daddr type local tcp dport 8080 meta mark set 0x4a53 dnat ip addr \. port to numgen random mod 2 map \{ 0 : 10\.255\.0\.5 \. 80, 1 : 10\.255\.0\.6 \. 80 \}/g)?.length, 2);
    assert.match(s, /meta mark 0x4a53 snat to 10\.255\.0\.1/);
  });
});

describe("ipv4", () => {
  it("inSubnet", () => {
    assert.equal(inSubnet("10.0.1.200", "10.0.1.0/24"), true);
    assert.equal(inSubnet("10.0.2.1", "10.0.1.0/24"), false);
    assert.equal(inSubnet("10.0.2.1", "10.0.0.0/8"), true);
    assert.equal(inSubnet("bogus", "10.0.0.0/8"), false);
  });
});
