import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { subjects, type Envelope, type NetworkSpec, type ServiceSpec } from "../../../schemas/index.js";
import type { NetworkCreateRequest } from "../../../schemas/network-api.js";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { SwarmError } from "../../shared/errors/index.js";
import { addressPools, decideCreateService, decideUpdateService } from "./decide.js";
import { decideCreateNetwork, decideEnsureIngress, decidePruneNetworks, decideRemoveNetwork } from "./network-decide.js";
import { networkSpecOf } from "./network-spec.js";
import { listNetworks, networkView } from "./network-views.js";

type Given = Pick<Envelope, "type" | "data" | "subject">;
function given(...events: Given[]): ClusterState {
  const s = initialClusterState();
  events.forEach((e, i) => evolve(s, { seq: i + 1, event: { ...e, id: `e${i}`, at: "2026-01-01T00:00:00Z", actor: { kind: "user", id: "t" } } as Envelope }));
  return s;
}
const code = (fn: () => unknown) => { try { fn(); } catch (e) { return e instanceof SwarmError ? [e.code, e.message] : ["?", String(e)]; } return undefined; };
const r = { requestId: "r1" };
const init: Given = { type: "ClusterInitialized", subject: subjects.event("cluster", "default"),
  data: { clusterId: "c", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } };
const net = (id: string, spec: Partial<NetworkSpec> = {}): Given =>
  ({ type: "NetworkCreated", subject: subjects.event("network", id), data: { networkId: id, spec: { Name: id, Driver: "overlay", ...spec } } });
const ingress = net("ing1", { Name: "ingress", Ingress: true });
const svc = (id: string, spec: Partial<ServiceSpec>): Given =>
  ({ type: "ServiceCreated", subject: subjects.event("service", id), data: { serviceId: id, spec: { Name: id, TaskTemplate: { ContainerSpec: { Image: "i" } }, ...spec } } });
const req = (over: Partial<NetworkCreateRequest> = {}): NetworkCreateRequest => ({ Name: "n", ...over });
const pool = (Subnet?: string, Gateway?: string, IPRange?: string) => ({ IPAM: { Config: [{ Subnet, Gateway, IPRange }] } });

describe("network create request → spec", () => {
  it("records only what was set, overlay", () => {
    assert.deepEqual(networkSpecOf(req({ Driver: "overlay", Attachable: true, Labels: { a: "1" }, ...pool("10.9.0.0/16", "10.9.0.1") })),
      { Name: "n", Driver: "overlay", Attachable: true, Labels: { a: "1" }, IPAM: { Config: [{ Subnet: "10.9.0.0/16", Gateway: "10.9.0.1" }] } });
    assert.deepEqual(networkSpecOf(req({ CheckDuplicate: true, Options: {}, Labels: null })), { Name: "n", Driver: "overlay" });
  });
  const refused: [string, Partial<NetworkCreateRequest>, string][] = [
    ["bridge driver", { Driver: "bridge" }, `Driver: swarm-scoped networks need the overlay driver, got "bridge" (jetswarm has no local networks)`],
    ["local scope", { Scope: "local" }, `Scope: jetswarm networks are swarm-scoped, got "local"`],
    ["IPv6", { EnableIPv6: true }, "EnableIPv6: IPv6 networks are not supported"],
    ["bad name", { Name: "a b" }, "name must be valid as a DNS name component"],
    ["gateway outside the subnet", pool("10.9.0.0/24", "10.8.0.1"), "no matching subnet for gateway 10.8.0.1: it is outside 10.9.0.0/24"],
    ["ip-range outside the subnet", pool("10.9.0.0/24", undefined, "10.9.1.0/25"), "no matching subnet for range 10.9.1.0/25: it is outside 10.9.0.0/24"],
    ["gateway without subnet", pool(undefined, "10.9.0.1"), "every ip-range or gateway must have a corresponding subnet"],
    ["not a CIDR", pool("10.9.0.0"), "IPAM.Config[0].Subnet: invalid CIDR address: 10.9.0.0"],
    ["host bits set", pool("10.9.0.5/24"), "IPAM.Config[0].Subnet: 10.9.0.5/24 is not a network address (did you mean 10.9.0.0/24?)"],
    ["mtu not a number", { Options: { "com.docker.network.driver.mtu": "big" } }, `Options: com.docker.network.driver.mtu must be a number from 576 to 9000, got "big"`],
    ["encrypted", { Options: { encrypted: "" } }, "Options: encrypted overlay networks need IPsec (ESP), which this kernel does not have"],
    ["attachable ingress", { Ingress: true, Attachable: true }, "ingress network cannot be attachable"],
  ];
  for (const [name, over, message] of refused) {
    it(`refuses: ${name}`, () => assert.deepEqual(code(() => networkSpecOf(req(over))), ["invalid_argument", message]));
  }
  it("refuses a predefined name with 403", () => {
    assert.deepEqual(code(() => networkSpecOf(req({ Name: "bridge" }))), ["permission_denied", "bridge is a pre-defined network and cannot be created"]);
  });
});

describe("network deciders", () => {
  it("create expects a new subject; a duplicate name is 409 in Docker's words", () => {
    const [e] = decideCreateNetwork(given(init), { Name: "a" }, "id1", r);
    assert.deepEqual([e?.type, e?.aggregateId, e?.expect], ["NetworkCreated", "id1", 0]);
    assert.deepEqual(code(() => decideCreateNetwork(given(init, net("a")), { Name: "a" }, "id2", r)), ["already_exists", "network with name a already exists"]);
  });

  it("a subnet overlapping another network's is refused naming both; a second ingress too", () => {
    const s = given(init, net("a", pool("10.1.0.0/16")), ingress);
    assert.deepEqual(code(() => decideCreateNetwork(s, { Name: "b", ...pool("10.1.4.0/24") }, "b", r)),
      ["invalid_argument", "invalid pool request: subnet 10.1.4.0/24 overlaps with network a's subnet 10.1.0.0/16"]);
    assert.equal(decideCreateNetwork(s, { Name: "b", ...pool("10.2.0.0/24") }, "b", r).length, 1);
    assert.deepEqual(code(() => decideCreateNetwork(s, { Name: "ing2", Ingress: true }, "x", r)),
      ["already_exists", "rpc error: code = AlreadyExists desc = ingress network (ing1) is already present"]);
  });

  it("remove is refused while a service uses it, and the ingress network while a service publishes ingress ports", () => {
    const s = given(init, net("a"), ingress, svc("s1", { TaskTemplate: { ContainerSpec: { Image: "i" }, Networks: [{ Target: "a" }] } }),
      svc("s2", { EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 }] } }));
    assert.deepEqual(code(() => decideRemoveNetwork(s, "a", r)), ["failed_precondition", "rpc error: code = FailedPrecondition desc = network a is in use by service s1"]);
    assert.deepEqual(code(() => decideRemoveNetwork(s, "ingress", r)),
      ["failed_precondition", "rpc error: code = FailedPrecondition desc = ingress network cannot be removed because service s2 depends on it"]);
    const free = given(init, net("a"), ingress);
    assert.deepEqual(decideRemoveNetwork(free, "ingress", r).map((e) => [e.type, e.aggregateId, e.expect]), [["NetworkRemoved", "ing1", 3]]);
    assert.deepEqual(code(() => decideRemoveNetwork(free, "nope", r)), ["not_found", "network nope not found"]);
  });

  it("a running task holds the network while its service lives (swarmkit's rule); a removed service's tasks do not", () => {
    const s = given(init, net("a"), svc("s1", { TaskTemplate: { ContainerSpec: { Image: "i" } } }));
    const task = { id: "t1", serviceId: "s1", state: "running", desiredState: "running", spec: { ContainerSpec: { Image: "i" }, Networks: [{ Target: "a" }] } };
    s.tasks.set("t1", task as unknown as ReturnType<typeof s.tasks.get> & object);
    assert.deepEqual(code(() => decideRemoveNetwork(s, "a", r)), ["failed_precondition", "rpc error: code = FailedPrecondition desc = network a is in use by task t1"]);
    s.services.set("s1", { ...s.services.get("s1")!, removed: true });
    assert.deepEqual(decideRemoveNetwork(s, "a", r).map((e) => e.type), ["NetworkRemoved"]);
  });

  it("prune removes the unused networks, never the ingress one", () => {
    const s = given(init, net("a"), net("b", { Labels: { keep: "1" } }), net("c"), ingress,
      svc("s1", { TaskTemplate: { ContainerSpec: { Image: "i" }, Networks: [{ Target: "c" }] } }));
    assert.deepEqual(decidePruneNetworks(s, new Map(), r).names, ["a", "b"]);
    assert.deepEqual(decidePruneNetworks(s, new Map([["label!", ["keep"]]]), r).names, ["a"]);
  });

  it("the ingress network is created once per cluster, and not again after a user removed it", () => {
    assert.deepEqual(decideEnsureIngress(given(), "ing1"), []);
    const [e] = decideEnsureIngress(given(init), "ing1");
    assert.deepEqual([e?.type, e?.aggregateId, e?.expect, e?.data], ["NetworkCreated", "ing1", 0,
      { networkId: "ing1", spec: { Name: "ingress", Driver: "overlay", Ingress: true } }]);
    assert.deepEqual(decideEnsureIngress(given(init, ingress), "ing1"), []);
    const removed = given(init, ingress, { type: "NetworkRemoved", subject: subjects.event("network", "ing1"), data: { networkId: "ing1" } });
    assert.deepEqual(decideEnsureIngress(removed, "ing1"), []);
  });

  it("views: Docker's Network, IPAM from the allocation, the VNI as an option; ls filters", () => {
    const s = given(init, net("a", { Labels: { x: "1" } }));
    s.networks.set("a", { ...s.networks.get("a")!, allocation: { subnet: "10.0.1.0/24", gateway: "10.0.1.1", vni: 4097, mtu: 1450 } });
    const v = networkView(s, s.networks.get("a")!);
    assert.deepEqual([v.Scope, v.Driver, v.IPAM.Config, v.Options], ["swarm", "overlay", [{ Subnet: "10.0.1.0/24", Gateway: "10.0.1.1" }],
      { "com.docker.network.driver.overlay.vxlanid_list": "4097" }]);
    assert.equal(listNetworks(s, new Map([["label", ["x=1"]]])).length, 1);
    assert.equal(listNetworks(s, new Map([["name", ["zz"]]])).length, 0);
  });
});

describe("services on networks", () => {
  const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({ Name: "web", TaskTemplate: { ContainerSpec: { Image: "i" } }, ...over });
  const withNets = (...targets: string[]) => spec({ TaskTemplate: { ContainerSpec: { Image: "i" }, Networks: targets.map((Target) => ({ Target })) } });

  it("network names are stored as ids; an unknown network or the ingress network is refused", () => {
    const s = given(init, net("n1", { Name: "backend" }), ingress);
    const [e] = decideCreateService(s, withNets("backend"), "s1", r);
    assert.deepEqual((e?.data as { spec: ServiceSpec }).spec.TaskTemplate.Networks, [{ Target: "n1" }]);
    assert.deepEqual(code(() => decideCreateService(s, withNets("nope"), "s1", r)), ["not_found", "network nope not found"]);
    assert.deepEqual(code(() => decideCreateService(s, withNets("ingress"), "s1", r)),
      ["invalid_argument", `rpc error: code = InvalidArgument desc = Service cannot be explicitly attached to the ingress network "ingress"`]);
  });

  it("ingress ports need the ingress network", () => {
    const ports = spec({ EndpointSpec: { Ports: [{ TargetPort: 80 }] } });
    assert.deepEqual(code(() => decideCreateService(given(init), ports, "s1", r)),
      ["failed_precondition", "rpc error: code = FailedPrecondition desc = service needs ingress network, but no ingress network is present"]);
    assert.equal(decideCreateService(given(init, ingress), ports, "s1", r).length, 1);
  });

  it("a published port belongs to one service: ingress against anything, host against ingress (Swarm's words)", () => {
    const s = given(init, ingress, svc("a1", { Name: "a", EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 }] } }),
      svc("h1", { Name: "h", EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 9090, PublishMode: "host" }] } }));
    const port = (PublishedPort: number, PublishMode?: "host" | "ingress") => spec({ EndpointSpec: { Ports: [{ TargetPort: 1, PublishedPort, PublishMode }] } });
    assert.deepEqual(code(() => decideCreateService(s, port(8080, "host"), "s", r)),
      ["invalid_argument", "rpc error: code = InvalidArgument desc = port '8080' is already in use by service 'a' (a1) as an ingress port"]);
    assert.deepEqual(code(() => decideCreateService(s, port(9090), "s", r)),
      ["invalid_argument", "rpc error: code = InvalidArgument desc = port '9090' is already in use by service 'h' (h1) as a host-published port"]);
    assert.equal(decideCreateService(s, port(9090, "host"), "s", r).length, 1);
    // The service itself keeps its own port on update.
    assert.equal(decideUpdateService(s, "a1", 3, { ...port(8080), Name: "a" }, r).length, 1);
  });

  it("default address pools: Swarm's checks", () => {
    assert.deepEqual(addressPools({ DefaultAddrPool: ["10.20.0.0/16"], SubnetSize: 26 }), { defaultAddrPool: ["10.20.0.0/16"], subnetSize: 26 });
    assert.deepEqual(addressPools({}), {});
    assert.deepEqual(code(() => addressPools({ DefaultAddrPool: ["10.20.0.0/16"], SubnetSize: 30 })), ["invalid_argument", "subnet size is out of range: 30"]);
    assert.deepEqual(code(() => addressPools({ DefaultAddrPool: ["10.20.0.0/16"], SubnetSize: 8 })),
      ["invalid_argument", `invalid CIDR: "10.20.0.0/16". Subnet size is too small for pool: 8`]);
    assert.deepEqual(code(() => addressPools({ DefaultAddrPool: ["nope"] })), ["invalid_argument", "invalid base pool nope: invalid CIDR address: nope"]);
  });
});
