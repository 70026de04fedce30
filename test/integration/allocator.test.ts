import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { Informer } from "../../services/shared/projection/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { type ServiceDeps } from "../../services/shared/runtime/index.js";
import { NetMapDoc, STREAMS, subjects, type StoredEvent } from "../../schemas/index.js";
import { start as startApi } from "../../services/api/index.js";
import { start as startOrchestrator } from "../../services/orchestrator/index.js";
import { start as startScheduler } from "../../services/scheduler/index.js";
import { start as startDispatcher } from "../../services/dispatcher/index.js";
import { start as startAgent } from "../../services/agent/index.js";
import { HollowExecutor } from "../bench/hollow-executor.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";
import { serveTestCa } from "../helpers/cluster-keys.js";

/*
 * The allocator with a real nats-server: two allocator processes (one active, one standby on the
 * lease); api, orchestrator, scheduler and dispatcher in-process; two HOLLOW nodes (the real agent
 * on a simulated runtime: addresses and maps are the control plane's business, not Docker's).
 * The network is created through the api (`POST /networks/create`); init created the ingress network.
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let view: Informer;
let apiUrl: string;
const stops: (() => Promise<void>)[] = [];
const allocators: ServiceProcess[] = [];
/** Allocation batches' members in log order (their actor says which allocator wrote them). */
const allocations: StoredEvent[] = [];
/** The network's id (the api's answer to `POST /networks/create`). */
let NET = "";

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${apiUrl}${path}`, { method, headers: { "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
const spec = (Name: string, Replicas: number) => ({
  Name, Mode: { Replicated: { Replicas } },
  TaskTemplate: { ContainerSpec: { Image: "jetswarm-test/busybox:1" }, Networks: [{ Target: "backend" }] },
});
async function scale(id: string, name: string, replicas: number): Promise<void> {
  const v = await call<{ Version: { Index: number } }>("GET", `/services/${id}`);
  await call("POST", `/services/${id}/update?version=${v.Version.Index}`, spec(name, replicas));
}
const deps = (id: string): ServiceDeps => ({ nc, store: new JetStreamEventStore(nc), log: createLogger(id, "silent"), instanceId: id });
const tasksOf = (serviceId: string) => [...view.state.tasks.values()].filter((t) => t.serviceId === serviceId);
const live = (serviceId: string) => tasksOf(serviceId).filter((t) => t.desiredState === "running" && t.state === "running");
const addressOf = (t: { networks?: { address: string }[] }) => t.networks?.[0]?.address;

let testCa: Awaited<ReturnType<typeof serveTestCa>> | undefined;

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "allocator-test" });
  await ensureStreams(nc);
  testCa = await serveTestCa(nc, new JetStreamEventStore(nc));
  view = new Informer(new JetStreamEventStore(nc));
  // Listeners see the batches' members: the allocator's four member types.
  const ALLOCATED = new Set(["NetworkAllocated", "NetworkNodeAttached", "ServiceAllocated", "TaskAllocated"]);
  view.onEvent((e) => { if (ALLOCATED.has(e.event.type)) allocations.push(e); });
  await view.start();
  const api = await startApi(deps("api-1"), { listen: "127.0.0.1:0", insecureHttp: true });
  apiUrl = api.url;
  stops.push(() => api.stop());
  for (const [name, start] of [["orchestrator-1", startOrchestrator], ["scheduler-1", startScheduler], ["dispatcher-1", startDispatcher]] as const) {
    const s = await start(deps(name));
    stops.push(() => s.stop());
  }
  await call("POST", "/swarm/init", { NodeName: "manager-without-agent" });
  const { JoinTokens } = await call<{ JoinTokens: { Worker: string } }>("GET", "/swarm");
  for (let i = 0; i < 2; i++) {
    const name = `hollow-${i}`;
    const { NodeID } = await call<{ NodeID: string }>("POST", "/jetswarm/join", { JoinToken: JoinTokens.Worker, NodeName: name });
    const agent = await startAgent({ nc, log: createLogger(name, "silent"), nodeId: NodeID, executor: new HollowExecutor({ hostname: name }), hostname: name, addr: `127.0.0.${i + 2}`,
      // A simulated runtime: its networks are ready at once (nothing is built).
      networks: { blocked: () => undefined, gateway: () => undefined, kick: () => undefined } });
    stops.push(() => agent.stop());
  }
  await eventually(() => [...view.state.nodes.values()].filter((n) => n.state === "ready").length === 2, { what: "2 hollow nodes ready" });
});
after(async () => {
  for (const a of allocators) await a.kill();
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await view?.stop();
  await testCa?.stop();
  await nc?.drain();
  await nats?.cleanup();
});

async function readMap(): Promise<NetMapDoc | undefined> {
  const jsm = await jetstreamManager(nc);
  const m = await jsm.streams.getMessage(STREAMS.netMaps, { last_by_subj: subjects.netMap(NET) }).catch(() => null);
  return m ? NetMapDoc.parse(m.json()) : undefined;
}

describe("allocator (real nats-server, lease, hollow nodes)", () => {
  it("addresses, VIP and map for a service on a network; no reuse within the quarantine; takeover after kill -9 gives no address twice", async () => {
    const env = { SWARM_NATS_URL: nats.url, SWARM_LOG_LEVEL: "info" };
    const a = spawnService("allocator", "allocator-a", env);
    allocators.push(a);
    await a.waitForLog((r) => r.msg === "lease acquired: active");
    const b = spawnService("allocator", "allocator-b", env);
    allocators.push(b);
    await b.waitForLog((r) => r.msg === "allocator running" && r.active === false);

    ({ Id: NET } = await call<{ Id: string }>("POST", "/networks/create", { Name: "backend", Driver: "overlay" }));
    await eventually(() => view.state.networks.get(NET)?.allocation, { what: "network allocated" });
    const ingress = [...view.state.networks.values()].find((n) => n.spec.Ingress)!;
    assert.deepEqual([ingress.allocation?.subnet, ingress.allocation?.vni], ["10.0.0.0/24", 4097], "the ingress network (created at init) first");
    assert.deepEqual([view.state.networks.get(NET)!.allocation!.subnet, view.state.networks.get(NET)!.allocation!.vni], ["10.0.1.0/24", 4098]);
    assert.equal(Object.keys(ingress.nodeGateways).length, 2, "every ready node has a gateway on ingress");

    const { ID: web } = await call<{ ID: string }>("POST", "/services/create", spec("web", 3));
    await eventually(() => live(web).length === 3, { what: "3 tasks running", timeoutMs: 30_000 });
    const first = live(web).map(addressOf);
    assert.equal(new Set(first).size, 3, `distinct addresses: ${first.join(", ")}`);
    for (const x of first) assert.match(x!, /^10\.0\.1\.\d+\/24$/);
    const vip = view.state.services.get(web)!.endpoint!.vips[0]!.address;
    assert.ok(!first.includes(vip), "the VIP is no task's");

    const map = await eventually(async () => {
      const m = await readMap();
      return m && m.endpoints.filter((e) => e.serving).length === 3 ? m : undefined;
    }, { what: "a map with 3 serving endpoints" }) as NetMapDoc;
    assert.deepEqual(map.endpoints.map((e) => e.address).sort(), [...first].sort());
    assert.equal(map.services[0]!.vip, vip);
    assert.equal(map.nodes.length, new Set(live(web).map((t) => t.nodeId)).size, "a gateway for each node that runs one");

    // Scale down, then up: the removed tasks' addresses wait out the quarantine (60 s).
    await scale(web, "web", 1);
    await eventually(() => live(web).length === 1 && tasksOf(web).every((t) => t.desiredState === "running" || t.state === "shutdown" || !view.state.tasks.has(t.id)), { what: "scaled down to 1" });
    const removed = first.filter((x) => x !== addressOf(live(web)[0]!));
    await scale(web, "web", 3);
    await eventually(() => live(web).length === 3, { what: "scaled back to 3", timeoutMs: 30_000 });
    const again = live(web).map(addressOf);
    assert.equal(new Set(again).size, 3);
    for (const x of removed) assert.ok(!again.includes(x), `${x} was reused within the quarantine`);

    // kill -9 of the active allocator: the standby takes the lease and allocates the next service.
    await a.kill("SIGKILL");
    const { ID: api2 } = await call<{ ID: string }>("POST", "/services/create", spec("api", 3));
    await eventually(() => live(api2).length === 3, { what: "the second service running after the takeover", timeoutMs: 60_000 });
    const holders = [...view.state.tasks.values()].filter((t) => t.state !== "shutdown" && t.networks).map(addressOf);
    const vips = [...view.state.services.values()].flatMap((s) => s.endpoint?.vips ?? []).map((v) => v.address);
    const gateways = Object.values(view.state.networks.get(NET)!.nodeGateways);
    const all = [...holders, ...vips, ...gateways.map((g) => `${g}/24`)];
    assert.equal(new Set(all).size, all.length, `no address given twice: ${all.join(", ")}`);

    const actors = allocations.map((e) => e.event.actor.id);
    const firstB = actors.indexOf("allocator-b");
    assert.ok(firstB > 0, `both acted: a before the kill, b after (${actors.join(" ")})`);
    assert.deepEqual(new Set(actors.slice(0, firstB)), new Set(["allocator-a"]));
    assert.deepEqual(new Set(actors.slice(firstB)), new Set(["allocator-b"]));
  });
});
