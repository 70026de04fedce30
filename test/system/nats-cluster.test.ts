import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import type { Service, Task } from "../../schemas/api.js";
import { NODE_TASK_SHARD_IDS, STREAMS, nodeTasksStream, type StoredEvent } from "../../schemas/index.js";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { IMAGE, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";
import { newStreamLeader, streamLeader, testNatsCluster } from "../helpers/nats.js";

/*
 * Issue 5, "NATS cluster": the whole stack against three nats-servers with every stream and
 * bucket at 3 replicas. The server that leads EVENTS is killed (-9) while services are created and
 * scaled: every request the api acknowledged must be in the log, the control plane must carry on
 * once a new leader is elected, and the final state must be exact.
 */
let nats: Awaited<ReturnType<typeof testNatsCluster>>;
let c: TestCluster;
let nc: NatsConnection;
before(async () => {
  nats = await testNatsCluster(3);
  c = await startTestCluster("natscluster", { natsUrls: nats.url, streamReplicas: 3 });
  nc = await connectNats({ url: nats.url, name: "nats-cluster-test" });
});
after(async () => {
  await nc?.close();
  await c?.cleanup();
  await nats?.cleanup();
});

type Op = { name: string; replicas: number };
/** Creates (first mention of a name) and scales, kept small: at most 7 containers at once. */
const OPS: Op[] = [
  { name: "nca", replicas: 1 }, { name: "ncb", replicas: 2 }, { name: "nca", replicas: 2 }, { name: "ncb", replicas: 1 },
  { name: "ncc", replicas: 1 }, { name: "nca", replicas: 3 }, { name: "ncc", replicas: 2 }, { name: "ncb", replicas: 2 },
  { name: "nca", replicas: 1 }, { name: "ncc", replicas: 3 }, { name: "ncb", replicas: 1 }, { name: "nca", replicas: 2 },
];
const KILL_AT_OP = 4;

interface Acked { kind: "create" | "update"; serviceId: string; replicas: number; version?: number }

// A 1 s stop grace: the sleep (pid 1) ignores SIGTERM, so each scale-down would wait the default 10 s.
const spec = (name: string, replicas: number) => ({
  Name: name, Mode: { Replicated: { Replicas: replicas } },
  TaskTemplate: { ContainerSpec: { Image: IMAGE, Args: ["sleep", "3600"], StopGracePeriod: 1_000_000_000 }, RestartPolicy: { Delay: 200_000_000 } },
});

const replicasOf = (svc: Service) => (svc.Spec.Mode && "Replicated" in svc.Spec.Mode ? svc.Spec.Mode.Replicated.Replicas : undefined);

async function post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await c.api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/**
 * One user request, repeated (as a user would) until the api acknowledges it: a 503 or a lost
 * connection leaves it unknown whether it was applied, so only 2xx answers are recorded.
 */
async function apply(op: Op, ids: Map<string, string>, acked: Acked[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const id = ids.get(op.name) ?? (await c.get<Service[]>("/services")).find((s) => s.Spec.Name === op.name)?.ID;
      if (!id) {
        const r = await post("/services/create", spec(op.name, op.replicas));
        if (r.status === 201) {
          const serviceId = (r.json as { ID: string }).ID;
          ids.set(op.name, serviceId);
          acked.push({ kind: "create", serviceId, replicas: op.replicas });
          return;
        }
        throw new Error(`create ${op.name}: ${r.status} ${JSON.stringify(r.json)}`);
      }
      ids.set(op.name, id);
      const svc = await c.get<Service>(`/services/${id}`);
      if (replicasOf(svc) === op.replicas && acked.some((a) => a.serviceId === id)) return;
      const r = await post(`/services/${id}/update?version=${svc.Version.Index}`, spec(op.name, op.replicas));
      if (r.status === 200) {
        acked.push({ kind: "update", serviceId: id, replicas: op.replicas, version: svc.Version.Index });
        return;
      }
      throw new Error(`update ${op.name}: ${r.status} ${JSON.stringify(r.json)}`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      process.stderr.write(`# ${op.name}=${op.replicas} not acknowledged (${(err as Error).message}); again\n`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Every event in EVENTS, read straight from NATS. */
async function wholeLog(): Promise<StoredEvent[]> {
  const store = new JetStreamEventStore(nc, createLogger("nats-cluster-test"));
  const head = await store.headSeq();
  const out: StoredEvent[] = [];
  const sub = store.subscribe(1, (e) => out.push(e));
  await eventually(() => out.length > 0 && out[out.length - 1]!.seq >= head, { timeoutMs: 30_000, what: "the whole log" });
  await sub.stop();
  return out;
}

describe("the control plane on a 3-server NATS cluster", () => {
  it("creates every stream and bucket with 3 replicas", async () => {
    const jsm = await jetstreamManager(nc);
    // A stream whose leader is not elected yet is missing from the list: poll until all are there.
    await eventually(async () => {
      const streams = await jsm.streams.list().next();
      const names = streams.map((s) => s.config.name);
      for (const want of [STREAMS.events, ...NODE_TASK_SHARD_IDS.map(nodeTasksStream), STREAMS.nodeStatus, "KV_swarm-members", "KV_swarm-leases"]) {
        if (!names.includes(want)) throw new Error(`${want} not listed (yet): ${names.join(", ")}`);
      }
      for (const s of streams) assert.equal(s.config.num_replicas, 3, `${s.config.name} replicas`);
      return true;
    }, { what: "every stream and bucket" });
  });

  it("loses no acknowledged request when the EVENTS leader is killed, and converges exactly", async () => {
    const ids = new Map<string, string>();
    const acked: Acked[] = [];
    let victim = -1;
    for (const [i, op] of OPS.entries()) {
      let kill: Promise<void> = Promise.resolve();
      if (i === KILL_AT_OP) {
        // Killed while this request is in flight: its append may or may not reach the leader.
        victim = await streamLeader(nats, nc, STREAMS.events);
        kill = new Promise((r) => setTimeout(r, 5)).then(() => {
          nats.servers[victim]!.process.kill("SIGKILL");
          process.stderr.write(`# killed ${nats.layout.members[victim]!.serverName}, the EVENTS leader\n`);
        });
      }
      const t0 = Date.now();
      await Promise.all([apply(op, ids, acked), kill]);
      process.stderr.write(`# ${op.name}=${op.replicas} acknowledged in ${Date.now() - t0} ms\n`);
    }
    // Asked until the cluster has elected (a request may time out meanwhile); fails after 30 s.
    assert.notEqual(await newStreamLeader(nats, nc, STREAMS.events, victim), victim, "a new leader leads EVENTS");

    // Every acknowledged request is in the log: a create as ServiceCreated, an update as the
    // ServiceUpdated right after the version it named; no event is stored twice.
    const log = await wholeLog();
    const eventIds = log.map((e) => e.event.id);
    assert.equal(new Set(eventIds).size, eventIds.length, "no event id twice");
    for (const a of acked) {
      const mine = log.filter((e) => e.event.subject === `swarm.evt.service.${a.serviceId}`);
      if (a.kind === "create") {
        assert.equal(mine[0]?.event.type, "ServiceCreated", `create of ${a.serviceId}`);
      } else {
        const next = mine.find((e) => e.seq > a.version!);
        assert.equal(next?.event.type, "ServiceUpdated", `update of ${a.serviceId} at version ${a.version}`);
        const data = next!.event.data as { spec: { Mode?: { Replicated?: { Replicas?: number } } } };
        assert.equal(data.spec.Mode?.Replicated?.Replicas, a.replicas);
        const before = mine.filter((e) => e.seq < next!.seq).at(-1);
        assert.equal(before?.seq, a.version, "appended right after the version the request named");
      }
    }

    // Final state: what was last acknowledged for each service runs, once per slot.
    const want = new Map<string, number>();
    for (const op of OPS) want.set(op.name, op.replicas);
    for (const [name, n] of want) {
      await eventually(async () => {
        const tasks = await c.get<Task[]>(`/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [name] }))}`);
        const live = tasks.filter((t) => t.DesiredState === "running" && t.Status.State === "running");
        const ctrs = await c.containers({ running: true, service: name });
        const slots = new Set(ctrs.map((x) => x.Labels["jetswarm.slot"]));
        return live.length === n && new Set(live.map((t) => t.Slot)).size === n && ctrs.length === n && slots.size === n;
      }, { timeoutMs: 90_000, what: `exactly ${n} running tasks and containers of ${name}, one per slot` });
      const svc = await c.get<Service>(`/services/${ids.get(name)}`);
      assert.equal(replicasOf(svc), n);
    }

    // The killed server comes back and catches up on every stream.
    await nats.restart(victim);
    const jsm = await jetstreamManager(nc);
    const server = nats.layout.members[victim]!.serverName;
    await eventually(async () => {
      for (const s of await jsm.streams.list().next()) {
        const info = await jsm.streams.info(s.config.name);
        const peer = info.cluster?.replicas?.find((r) => r.name === server);
        const inSync = info.cluster?.leader === server || (peer !== undefined && peer.current && !peer.offline && (peer.lag ?? 0) === 0);
        if (!inSync) throw new Error(`${s.config.name}: ${server} is ${JSON.stringify(peer)}`);
      }
      return true;
    }, { timeoutMs: 60_000, what: `${server} to catch up on every stream` });
  });
});
