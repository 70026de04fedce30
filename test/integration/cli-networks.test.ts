import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { start, type RunningApi } from "../../services/api/index.js";
import { jetstreamManager } from "@nats-io/jetstream";
import { STREAMS, subjects, type Envelope } from "../../schemas/index.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";
import { startInProcessApi, type InProcessApi } from "../helpers/in-process-api.js";

/* Networks (issue #17) through the api and the compiled CLI, against a real nats-server. */
let t: InProcessApi;
let nc: NatsConnection;
let store: JetStreamEventStore;

const cli = (...args: string[]) => t.swarm({}, ...args);
const call = (method: string, path: string, body?: unknown, base?: string) => t.call(method, path, body, base);
const networkNames = async () => (await call("GET", "/networks")).body.map((n: any) => n.Name).sort();

before(async () => {
  t = await startInProcessApi("cli-networks");
  ({ nc, store } = t);
  const init = await call("POST", "/swarm/init", { NodeName: "m1", DefaultAddrPool: ["10.20.0.0/16"], SubnetSize: 26 });
  assert.equal(init.status, 200, JSON.stringify(init.body));
});
after(async () => {
  await t?.stop();
});

describe("swarm networks", () => {
  it("the ingress network exists from init; the address pools are recorded in the cluster", async () => {
    const nets = (await call("GET", "/networks")).body;
    assert.deepEqual(nets.map((n: any) => [n.Name, n.Ingress, n.Scope, n.Driver]), [["ingress", true, "swarm", "overlay"]]);
    const ls = await cli("network", "ls");
    assert.match(ls.stdout, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n[0-9a-z]{12}\s+ingress\s+overlay\s+swarm\n$/);
    const jsm = await jetstreamManager(nc);
    const init = (await jsm.streams.getMessage(STREAMS.events, { seq: 1 }))!.json() as Envelope & { data: any };
    assert.deepEqual([init.type, init.data.defaultAddrPool, init.data.subnetSize], ["ClusterInitialized", ["10.20.0.0/16"], 26]);
  });

  it("create, ls (-q, -f, --format), inspect (-f)", async () => {
    const created = await cli("network", "create", "--subnet", "10.9.0.0/24", "--gateway", "10.9.0.254", "--attachable", "--label", "tier=db", "backend");
    assert.equal(created.code, 0, created.stderr);
    const id = created.stdout.trim();
    assert.match(id, /^[0-9a-z]{25}$/);
    const n = (await call("GET", "/networks/backend")).body;
    assert.deepEqual([n.Id, n.Attachable, n.Labels, n.IPAM.Config], [id, true, { tier: "db" }, [{ Subnet: "10.9.0.0/24", Gateway: "10.9.0.254" }]]);
    assert.equal((await call("GET", `/networks/${id.slice(0, 6)}`)).body.Name, "backend");
    assert.equal((await cli("network", "ls", "-q", "--no-trunc", "-f", "label=tier=db")).stdout, `${id}\n`);
    assert.equal((await cli("network", "ls", "-f", "name=back", "--format", "{{.Name}} {{.Driver}} {{.Scope}}")).stdout, "backend overlay swarm\n");
    assert.equal((await cli("network", "inspect", "-f", "{{.Name}} {{json .IPAM.Config}}", "backend")).stdout,
      `backend [{"Subnet":"10.9.0.0/24","Gateway":"10.9.0.254"}]\n`);
    assert.equal(JSON.parse((await cli("network", "inspect", "backend")).stdout)[0].Id, id);
  });

  it("refuses a duplicate name (409), an overlapping subnet and a gateway outside its subnet (400), appending nothing", async () => {
    const before = await networkNames();
    const dup = await call("POST", "/networks/create", { Name: "backend", Driver: "overlay" });
    assert.deepEqual([dup.status, dup.body.message], [409, "network with name backend already exists"]);
    const overlap = await call("POST", "/networks/create", { Name: "other", Driver: "overlay", IPAM: { Config: [{ Subnet: "10.9.0.128/25" }] } });
    assert.deepEqual([overlap.status, overlap.body.message], [400, "invalid pool request: subnet 10.9.0.128/25 overlaps with network backend's subnet 10.9.0.0/24"]);
    const gw = await cli("network", "create", "--subnet", "10.8.0.0/24", "--gateway", "10.7.0.1", "other");
    assert.deepEqual([gw.code, gw.stderr], [1, "Error: no matching subnet for gateway 10.7.0.1: it is outside 10.8.0.0/24\n"]);
    const bridge = await cli("network", "create", "-d", "bridge", "other");
    assert.match(bridge.stderr, /swarm-scoped networks need the overlay driver, got "bridge"/);
    assert.deepEqual(await networkNames(), before);
  });

  it("service --network stores network ids; an unknown network and the ingress network are refused in Swarm's words", async () => {
    assert.equal((await cli("network", "create", "front")).code, 0);
    const web = await cli("service", "create", "--detach", "--name", "web", "--network", "backend", "--network", "name=front,alias=www", "busybox:1");
    assert.equal(web.code, 0, web.stderr);
    const ids = Object.fromEntries((await call("GET", "/networks")).body.map((n: any) => [n.Name, n.Id]));
    const svc = (await call("GET", "/services/web")).body;
    assert.deepEqual(svc.Spec.TaskTemplate.Networks, [{ Target: ids.backend }, { Target: ids.front, Aliases: ["www"] }]);
    assert.match((await cli("service", "inspect", "--pretty", "web")).stdout, /\nNetworks: backend front \nEndpoint Mode:\tvip\n\n$/);
    const unknown = await cli("service", "create", "--detach", "--name", "lost", "--network", "nope", "busybox:1");
    assert.deepEqual([unknown.code, unknown.stderr], [1, "Error: network nope not found\n"]);
    const ing = await cli("service", "create", "--detach", "--name", "lost", "--network", "ingress", "busybox:1");
    assert.equal(ing.stderr, `Error: rpc error: code = InvalidArgument desc = Service cannot be explicitly attached to the ingress network "ingress"\n`);
    assert.equal((await call("GET", "/services/lost")).status, 404);
  });

  it("a published port belongs to one service", async () => {
    const pub = await cli("service", "create", "--detach", "--name", "pub", "-p", "8080:80", "busybox:1");
    assert.equal(pub.code, 0, pub.stderr);
    const id = pub.stdout.trim();
    const clash = await cli("service", "create", "--detach", "--name", "pub2", "-p", "published=8080,target=81,mode=host", "busybox:1");
    assert.equal(clash.stderr, `Error: rpc error: code = InvalidArgument desc = port '8080' is already in use by service 'pub' (${id}) as an ingress port\n`);
  });

  it("rm is refused while a service uses the network (and ingress while a service publishes); --network-rm frees it", async () => {
    const ids = Object.fromEntries((await call("GET", "/networks")).body.map((n: any) => [n.Name, n.Id]));
    const webId = (await call("GET", "/services/web")).body.ID;
    const inUse = await cli("network", "rm", "backend");
    assert.deepEqual([inUse.code, inUse.stderr], [1, `Error: rpc error: code = FailedPrecondition desc = network ${ids.backend} is in use by service ${webId}\n`]);
    const pubId = (await call("GET", "/services/pub")).body.ID;
    const ing = await call("DELETE", "/networks/ingress");
    assert.deepEqual([ing.status, ing.body.message],
      [412, `rpc error: code = FailedPrecondition desc = ingress network cannot be removed because service ${pubId} depends on it`]);
    const upd = await cli("service", "update", "--detach", "--network-rm", "backend", "--network-add", "name=backend,alias=db", "web");
    assert.equal(upd.code, 0, upd.stderr);
    const again = await cli("service", "update", "--detach", "--network-add", "backend", "web");
    assert.equal(again.stderr, `Error: service is already attached to network ${ids.backend}\n`);
    assert.equal((await cli("service", "update", "--detach", "--network-rm", "backend", "web")).code, 0);
    assert.deepEqual((await call("GET", "/services/web")).body.Spec.TaskTemplate.Networks, [{ Target: ids.front, Aliases: ["www"] }]);
    const rm = await cli("network", "rm", "backend", "nope");
    assert.deepEqual([rm.code, rm.stdout, rm.stderr], [1, "backend\n", "Error: network nope not found\n"]);
  });

  it("prune removes the unused networks, never ingress or one in use", async () => {
    for (const n of ["u1", "u2"]) assert.equal((await cli("network", "create", n)).code, 0);
    const r = await cli("network", "prune", "-f");
    assert.deepEqual([r.code, r.stdout], [0, "Deleted Networks:\nu1\nu2\n\n"], r.stderr);
    assert.deepEqual(await networkNames(), ["front", "ingress"]);
  });

  it("shows what the allocator gave: the network's subnet and VNI, the service's VIPs and its PORTS", async () => {
    const ids = Object.fromEntries((await call("GET", "/networks")).body.map((n: any) => [n.Name, n.Id]));
    const pub = (await call("GET", "/services/pub")).body;
    const allocator = subjects.event("allocations", "allocator");
    const append = async (type: string, data: unknown, expect: number, id: string) => {
      const event = { id, type, subject: allocator, at: new Date().toISOString(), actor: { kind: "service", id: "allocator-test" }, data } as Envelope;
      return store.append({ event, expectedLastSubjectSeq: expect, msgId: id });
    };
    const seq = await append("NetworksAllocated", { networks: [
      { networkId: ids.front, subnet: "10.20.0.64/26", gateway: "10.20.0.65", vni: 4097, mtu: 1450 },
      { networkId: ids.ingress, subnet: "10.20.0.0/26", gateway: "10.20.0.1", vni: 4096, mtu: 1450 }] }, 0, "alloc-1");
    await append("ServicesAllocated", { services: [{ serviceId: pub.ID, specVersion: 1, vips: [{ networkId: ids.ingress, address: "10.20.0.2/26" }],
      ports: [{ TargetPort: 80, PublishedPort: 8080, Protocol: "tcp", PublishMode: "ingress" }] }] }, seq.seq, "alloc-2");
    await eventually(async () => (await call("GET", "/services/pub")).body.Endpoint?.VirtualIPs !== undefined, { what: "the allocation applied" });
    const front = (await call("GET", "/networks/front")).body;
    assert.deepEqual([front.IPAM.Config, front.Options["com.docker.network.driver.overlay.vxlanid_list"]], [[{ Subnet: "10.20.0.64/26", Gateway: "10.20.0.65" }], "4097"]);
    const svc = JSON.parse((await cli("service", "inspect", "pub")).stdout)[0];
    assert.deepEqual(svc.Endpoint.VirtualIPs, [{ NetworkID: ids.ingress, Addr: "10.20.0.2/26" }]);
    assert.match((await cli("service", "ls")).stdout, /\bpub\s+replicated\s+0\/1\s+busybox:1\s+\*:8080->80\/tcp\n/);
  });
});

describe("the ingress network of a cluster initialised before networks", () => {
  it("is created by the first api that starts, exactly once however many start", async () => {
    const n2 = await testNats();
    const c2 = await connectNats({ url: n2.url, name: "cli-networks-old" });
    const apis: RunningApi[] = [];
    try {
      await ensureStreams(c2);
      const s2 = new JetStreamEventStore(c2);
      const event = { id: "old-init", type: "ClusterInitialized", subject: subjects.event("cluster", "default"), at: new Date().toISOString(),
        v: 2, actor: { kind: "user", id: "local" }, data: { clusterId: "oldcluster", workerTokenHash: "W", managerTokenHash: "M", heartbeatPeriodMs: 2000, taskHistoryLimit: 5 } } as Envelope;
      await s2.append({ event, expectedLastSubjectSeq: 0, msgId: "old-init" });
      const log = createLogger("cli-networks-old", "silent");
      apis.push(...await Promise.all(["a", "b"].map((i) => start({ nc: c2, store: s2, log, instanceId: `api-old-${i}` }, { listen: "127.0.0.1:0", insecureHttp: true }))));
      for (const a of apis) {
        const nets = (await call("GET", "/networks", undefined, a.url)).body;
        assert.deepEqual(nets.map((n: any) => [n.Name, n.Ingress]), [["ingress", true]]);
      }
      // The log holds the cluster and one NetworkCreated: the second api's attempt was a no-op.
      assert.equal(await s2.headSeq(), 2);
    } finally {
      for (const a of apis) await a.stop();
      await c2.drain();
      await n2.cleanup();
    }
  });
});
