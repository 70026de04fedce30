import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects } from "../../../schemas/index.js";
import { versionOf } from "../../shared/model/index.js";
import { netMapOf } from "./netmap.js";
import { Given, members, Q } from "./test-fixture.js";

const addressesOf = (g: Given, ids: string[]) => ids.map((id) => g.task(id).networks?.map((n) => n.address).join(",") ?? "-");

describe("allocator plan: networks", () => {
  it("gives each network the next free /24, a unique VNI from 4097, its first address as gateway, MTU 1450 or the driver option", () => {
    const g = new Given().network("a").network("b", { Options: { "com.docker.network.driver.mtu": "1400" } })
      .network("c", { IPAM: { Config: [{ Subnet: "10.0.1.0/24", Gateway: "10.0.1.254" }] } });
    assert.deepEqual(members(g.pass()).NetworksAllocated, [
      { networkId: "a", subnet: "10.0.0.0/24", gateway: "10.0.0.1", vni: 4097, mtu: 1450 },
      { networkId: "b", subnet: "10.0.2.0/24", gateway: "10.0.2.1", vni: 4098, mtu: 1400 },
      { networkId: "c", subnet: "10.0.1.0/24", gateway: "10.0.1.254", vni: 4099, mtu: 1450 },
    ]);
    assert.deepEqual(g.plan().events, [], "nothing left to do");
  });
  it("writes on the allocator's subject, expecting its version", () => {
    const g = new Given().network("a");
    g.pass();
    g.network("b");
    const [e] = g.plan().events;
    assert.equal(e!.kind, "allocations");
    assert.equal(e!.expect, versionOf(g.state, subjects.event("allocations", "allocator")));
    assert.ok(e!.expect > 0);
  });
});

describe("allocator plan: services and tasks", () => {
  it("a service on a network: a VIP, then a distinct address and MAC per task; tasks become pending", () => {
    const g = new Given().network("net").service("web", { networks: ["net"] }).tasks("web", [1, 2, 3]);
    const m = members(g.pass());
    assert.deepEqual(m.ServicesAllocated, [{ serviceId: "web", specVersion: g.state.services.get("web")!.specVersion, vips: [{ networkId: "net", address: "10.0.0.16/24" }], ports: [] }]);
    assert.deepEqual(addressesOf(g, ["web.1", "web.2", "web.3"]), ["10.0.0.17/24", "10.0.0.18/24", "10.0.0.19/24"]);
    assert.equal(g.task("web.1").networks![0]!.mac, "02:42:0a:00:00:11");
    for (const id of ["web.1", "web.2", "web.3"]) assert.equal(g.task(id).state, "pending");
    assert.deepEqual(g.plan().events, []);
  });
  it("a service without networks or ingress ports is left alone", () => {
    const g = new Given().service("plain");
    assert.deepEqual(g.plan().events, []);
  });
  it("dnsrr: no VIP", () => {
    const g = new Given().network("net").service("db", { networks: ["net"], EndpointSpec: { Mode: "dnsrr" } });
    assert.deepEqual((members(g.pass()).ServicesAllocated![0] as { vips: unknown[] }).vips, []);
  });
  it("ingress ports: the user's kept, the others from 30000 on, never one another service holds; an ingress VIP and ingress addresses", () => {
    const g = new Given().network("ingress", { Ingress: true }).network("net")
      .service("a", { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 30000 }] } })
      .service("b", { networks: ["net"], EndpointSpec: { Ports: [{ TargetPort: 80 }, { TargetPort: 53, Protocol: "udp" }] } })
      .tasks("b", [1]);
    const svc = members(g.pass()).ServicesAllocated as { serviceId: string; vips: { networkId: string }[]; ports: { PublishedPort?: number }[] }[];
    assert.deepEqual(svc[1]!.ports.map((p) => p.PublishedPort), [30001, 30000]);
    assert.deepEqual(svc[1]!.vips.map((v) => v.networkId), ["net", "ingress"]);
    assert.deepEqual(g.task("b.1").networks!.map((n) => n.networkId), ["net", "ingress"]);
  });
  it("a spec change: a new ServiceAllocated keeps the VIP of a network still used and keeps auto ports", () => {
    const g = new Given().network("n1").network("n2").service("web", { networks: ["n1"], EndpointSpec: { Ports: [{ TargetPort: 80 }] } });
    g.network("ingress", { Ingress: true });
    g.pass();
    const before = g.state.services.get("web")!.endpoint!;
    g.service("web", { networks: ["n1", "n2"], EndpointSpec: { Ports: [{ TargetPort: 80 }] } });
    const after = (members(g.pass()).ServicesAllocated as typeof before[])[0]!;
    assert.equal(after.specVersion, g.state.services.get("web")!.specVersion);
    assert.notEqual(after.specVersion, before.specVersion);
    assert.equal(after.vips.find((v) => v.networkId === "n1")!.address, before.vips.find((v) => v.networkId === "n1")!.address);
    assert.equal(after.vips.length, 3);
    assert.deepEqual(after.ports, before.ports);
  });
  it("a network that does not exist leaves the task new, with the reason", () => {
    const g = new Given().service("web", { networks: ["gone"] }).tasks("web", [1]);
    const r = g.pass();
    assert.deepEqual(r.failures, [{ taskId: "web.1", err: "network gone not found" }]);
    assert.equal(g.task("web.1").state, "new");
    assert.equal(g.task("web.1").err, "network gone not found", "the reason is on the task (service ps)");
    assert.deepEqual(g.plan().events, [], "written once, not every pass");
  });
});

describe("allocator plan: freeing and exhaustion", () => {
  it("an ended task's address waits out the quarantine (event time) before it is given again", () => {
    const g = new Given().network("net", { IPAM: { Config: [{ Subnet: "10.9.0.0/28" }] } }).service("web", { networks: ["net"] }).tasks("web", [1]);
    g.pass();
    const first = g.task("web.1").networks![0]!.address;
    g.status("web.1", "shutdown").event("TaskDeleted", "task", "web.1", { taskId: "web.1" });
    // Every other address is taken: only the freed one is left, and it must wait.
    g.tasks("web", [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    g.pass();
    g.tasks("web", [13]);
    const r = g.pass();
    assert.match(r.failures[0]!.err, /^no available IP addresses on network net/);
    assert.match(g.task("web.13").err!, /^no available IP addresses/);
    g.advance(Q);
    g.pass();
    assert.equal(g.task("web.13").networks![0]!.address, first);
    assert.equal(g.task("web.13").state, "pending");
    assert.equal(g.task("web.13").err, undefined, "the reason goes with the wait");
  });
  it("an exhausted pool is an error per task, never a duplicate", () => {
    const g = new Given().network("net", { IPAM: { Config: [{ Subnet: "10.9.0.0/28" }] } }).service("web", { networks: ["net"] })
      .tasks("web", Array.from({ length: 15 }, (_, i) => i + 1));
    const r = g.pass();
    const given = [...g.state.tasks.values()].flatMap((t) => t.networks ?? []).map((n) => n.address);
    assert.equal(new Set(given).size, given.length);
    assert.equal(given.length, 12, "13 allocatable on a /28 (a reserve of 2: network address, gateway), minus the VIP");
    assert.equal(r.failures.length, 3);
    assert.ok(!given.includes(g.state.services.get("web")!.endpoint!.vips[0]!.address));
  });
});

describe("allocator plan: nodes' gateways and maps", () => {
  it("a node gets a gateway on a network once it is assigned a task there; every ready node on ingress", () => {
    const g = new Given().node("n1").node("n2").network("ingress", { Ingress: true }).network("net")
      .service("web", { networks: ["net"] }).tasks("web", [1]);
    const first = members(g.pass()).NetworkNodesAttached as { networkId: string; nodeId: string }[];
    assert.deepEqual(first.map((a) => `${a.networkId}:${a.nodeId}`), ["ingress:n1", "ingress:n2"]);
    g.event("TaskAssigned", "task", "web.1", { taskId: "web.1", nodeId: "n2" });
    const next = members(g.pass()).NetworkNodesAttached as { networkId: string; nodeId: string; gateway: string }[];
    assert.deepEqual(next.map((a) => `${a.networkId}:${a.nodeId}`), ["net:n2"]);
    g.status("web.1", "running");
    const map = netMapOf(g.state, g.state.networks.get("net")!, g.state.seq)!;
    assert.deepEqual(map.nodes, [{ nodeId: "n2", addr: "192.168.0.2", gateway: next[0]!.gateway }]);
    assert.deepEqual(map.endpoints.map((e) => [e.taskId, e.nodeId, e.serving]), [["web.1", "n2", true]]);
    assert.equal(map.services[0]!.vip, g.state.services.get("web")!.endpoint!.vips[0]!.address);
    g.event("TaskDesiredStateChanged", "task", "web.1", { taskId: "web.1", desiredState: "shutdown" });
    assert.equal(netMapOf(g.state, g.state.networks.get("net")!, g.state.seq)!.endpoints[0]!.serving, false, "leaves DNS/VIPs before it stops");
  });
});
