import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { listMembers, startMembership, MEMBERSHIP_DEFAULTS, type Membership } from "../../services/shared/instances/index.js";
import { start as startApi, type RunningApi } from "../../services/api/index.js";
import { start as startScheduler } from "../../services/scheduler/index.js";
import type { ControlPlaneMember } from "../../services/api/app/index.js";
import { projectRoot } from "../../deploy/launcher/nats-server.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";

/*
 * Membership the way runService does it, for processes started in-process: an api, two
 * schedulers (one active, one standby) and a member without a projection; each on its own
 * connection so that a crash (connection closed, record left to expire) can be simulated.
 */

let nats: Awaited<ReturnType<typeof testNats>>;
let nc: NatsConnection;
let api: RunningApi;
const conns: NatsConnection[] = [];
const stops: (() => Promise<unknown>)[] = [];
const members = new Map<string, Membership>();

async function conn(name: string): Promise<NatsConnection> {
  const c = await connectNats({ url: nats.url, name });
  conns.push(c);
  return c;
}
async function scheduler(id: string): Promise<NatsConnection> {
  const c = await conn(id);
  const s = await startScheduler({ nc: c, store: new JetStreamEventStore(c), log: createLogger(id, "silent"), instanceId: id });
  stops.push(() => s.stop());
  members.set(id, await startMembership(c, { service: "scheduler", instanceId: id, status: () => s.status() }));
  return c;
}
async function controlPlane(): Promise<ControlPlaneMember[]> {
  const res = await fetch(`${api.url}/jetswarm/control-plane`);
  assert.equal(res.status, 200);
  return (await res.json()) as ControlPlaneMember[];
}
function swarm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot(), "dist/cli/main.js"), "--host", api.url, ...args], { timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "membership-test" });
  await ensureStreams(nc);
  const apiNc = await conn("api-1");
  api = await startApi({ nc: apiNc, store: new JetStreamEventStore(apiNc), log: createLogger("api", "silent"), instanceId: "api-1" }, { listen: "127.0.0.1:0", insecureHttp: true });
  stops.push(() => api.stop());
  members.set("api-1", await startMembership(apiNc, { service: "api", instanceId: "api-1", status: () => api.status?.() }));
  await scheduler("scheduler-a");
  await scheduler("scheduler-b");
  const dnc = await conn("dispatcher-1");
  members.set("dispatcher-1", await startMembership(dnc, { service: "dispatcher", instanceId: "dispatcher-1" }));
});
after(async () => {
  for (const m of members.values()) await m.stop().catch(() => undefined);
  for (const s of stops) await s().catch(() => undefined);
  for (const c of conns) if (!c.isClosed()) await c.drain().catch(() => undefined);
  await nc?.drain();
  await nats?.cleanup();
});

describe("control-plane membership against a real nats-server", () => {
  it("lists every running instance with its role, events behind the head and uptime", async () => {
    // Records carry the role at their last beat; the lease bucket decides the role shown.
    const list = (await eventually(async () => {
      const l = await controlPlane();
      return l.length === 4 && l.filter((m) => m.Role === "active").length === 1 ? l : undefined;
    }, { what: "four members, one active scheduler", timeoutMs: 15_000 }))!;
    assert.deepEqual(list.map((m) => [m.Service, m.Instance]), [
      ["api", "api-1"], ["dispatcher", "dispatcher-1"], ["scheduler", "scheduler-a"], ["scheduler", "scheduler-b"]]);
    assert.deepEqual(list.filter((m) => m.Service === "scheduler").map((m) => m.Role).sort(), ["active", "standby"]);
    assert.equal(list.find((m) => m.Service === "dispatcher")?.Role, "all");
    assert.equal(list.find((m) => m.Service === "dispatcher")?.Behind, null, "no projection, nothing behind");
    assert.equal(list.find((m) => m.Service === "api")?.Behind, 0);
    for (const m of list) assert.ok(m.UptimeSeconds >= 0 && m.Pid === process.pid && m.Node.length > 0, JSON.stringify(m));

    const out = await swarm("control-plane", "ls");
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split("\n");
    assert.match(lines[0]!, /^SERVICE\s+INSTANCE\s+NODE\s+ROLE\s+BEHIND\s+UPTIME$/);
    assert.equal(lines.length, 5);
    assert.match(out.stdout, /dispatcher\s+dispatcher-1\s+\S+\s+all\s+-\s+/);
  });

  it("drops a cleanly stopped member at once", async () => {
    await members.get("dispatcher-1")!.stop();
    members.delete("dispatcher-1");
    const names = (await listMembers(nc)).map((m) => m.instanceId);
    assert.deepEqual(names, ["api-1", "scheduler-a", "scheduler-b"]);
  });

  it("drops a crashed member once its record's TTL has run out", async () => {
    const active = (await controlPlane()).find((m) => m.Role === "active")!.Instance;
    const c = conns[["api-1", "scheduler-a", "scheduler-b"].indexOf(active)]!;
    await c.close(); // no delete: the record and the lease are left to expire
    await eventually(async () => !(await listMembers(nc)).some((m) => m.instanceId === active),
      { what: `${active} dropped`, timeoutMs: MEMBERSHIP_DEFAULTS.ttlMs * 3 });
    await eventually(async () => (await controlPlane()).some((m) => m.Service === "scheduler" && m.Role === "active"),
      { what: "the other scheduler shown active", timeoutMs: 15_000 });
  });
});
