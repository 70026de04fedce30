import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connectNats, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { openMembersKv, PartitionView, startMembership, type Membership } from "../../services/shared/instances/index.js";
import { startNatsServer, type NatsServerHandle } from "../../deploy/launcher/nats-server.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";

/*
 * The partition view against a real nats-server, on a members bucket with a short TTL (2 s,
 * heartbeats every 0.5 s): it owns nothing before its own record, sees members come and go, and
 * keeps its last view while NATS is away.
 */

const TTL = 2000;
const log = createLogger("partition-view", "silent");
let nats: Awaited<ReturnType<typeof testNats>>;
let restarted: NatsServerHandle | undefined;
const conns: NatsConnection[] = [];
const views: PartitionView[] = [];
const members = new Map<string, Membership>();
const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);

async function conn(name: string): Promise<NatsConnection> {
  const c = await connectNats({ url: nats.url, name });
  conns.push(c);
  return c;
}
async function view(id: string, c: NatsConnection): Promise<PartitionView> {
  const v = await PartitionView.start(c, { service: "dispatcher", instanceId: id, sweepMs: 100, log });
  views.push(v);
  return v;
}
async function member(id: string, c: NatsConnection): Promise<Membership> {
  const m = await startMembership(c, { service: "dispatcher", instanceId: id, renewMs: 500, ttlMs: TTL });
  members.set(id, m);
  return m;
}
const owned = (v: PartitionView) => keys.filter((k) => v.owns(k)).length;

before(async () => {
  nats = await testNats();
  await openMembersKv(await conn("setup"), { ttlMs: TTL });
});
after(async () => {
  for (const v of views) await v.stop();
  for (const m of members.values()) await m.stop().catch(() => undefined);
  for (const c of conns) if (!c.isClosed()) await c.close().catch(() => undefined);
  await restarted?.stop();
  await nats?.cleanup();
});

describe("partition view over KV swarm-members", () => {
  let a: PartitionView;
  let b: PartitionView;
  let cb: NatsConnection;

  it("owns nothing until its own record appears, then everything while alone", async () => {
    const ca = await conn("a");
    a = await view("d-a", ca);
    assert.deepEqual(a.liveMembers, []);
    assert.equal(owned(a), 0);
    await member("d-a", ca);
    await eventually(() => owned(a) === keys.length, { what: "d-a owns every key" });
  });

  it("shares the keys with a second member; both views agree", async () => {
    cb = await conn("b");
    await member("d-b", cb);
    b = await view("d-b", cb);
    await eventually(() => a.liveMembers.length === 2 && b.liveMembers.length === 2, { what: "both see two members" });
    for (const k of keys) assert.notEqual(a.owns(k), b.owns(k), `exactly one owns ${k}`);
    assert.ok(owned(a) > 10 && owned(b) > 10, `${owned(a)} / ${owned(b)}`);
  });

  it("a clean stop (record deleted) hands the keys over at once, without waiting for the TTL", async () => {
    const t0 = Date.now();
    await members.get("d-b")!.stop();
    members.delete("d-b");
    await eventually(() => owned(a) === keys.length, { what: "d-a owns every key again", timeoutMs: TTL });
    assert.ok(Date.now() - t0 < TTL, `took ${Date.now() - t0} ms`);
    await member("d-b", cb);
    await eventually(() => a.liveMembers.length === 2, { what: "d-b back" });
  });

  it("keeps its last view while NATS is down; then drops a member that died meanwhile", async () => {
    await nats.stop("SIGKILL");
    const until = Date.now() + 2 * TTL;
    while (Date.now() < until) {
      assert.deepEqual(a.liveMembers, ["d-a", "d-b"], "no heartbeat from anyone: the view is kept, not emptied");
      await new Promise((r) => setTimeout(r, 200));
    }
    await members.get("d-b")!.stop().catch(() => undefined); // d-b dies while NATS is down (its delete cannot reach the KV)
    members.delete("d-b");
    restarted = await startNatsServer({ dataDir: nats.dataDir, port: nats.port });
    await eventually(() => a.liveMembers.length === 1 && owned(a) === keys.length,
      { what: "d-a alone once reconnected and d-b's record is stale", timeoutMs: 6 * TTL });
  });
});
