import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { jetstream } from "@nats-io/jetstream";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { testNats } from "../helpers/nats.js";
import { spawnService, type ServiceProcess } from "../helpers/service-process.js";

/*
 * The upgrade policy in a running process: once synced, an event this build cannot read (a type
 * from a newer control plane) stops the service's process — it logs which event and exits 1 — so
 * the supervisor restarts it and it stops again there, instead of serving a state it no longer
 * follows.
 */

const procs: ServiceProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

after(async () => {
  for (const p of procs) await p.kill().catch(() => undefined);
  for (const c of cleanups) await c().catch(() => undefined);
});

function unknownEvent(id: string): string {
  return JSON.stringify({
    id, type: "FutureThingHappened", subject: `swarm.evt.future.${id}`, at: new Date().toISOString(),
    actor: { kind: "user", id: "test" }, data: { futureId: id },
  });
}

async function stopsAtUnknownEvent(service: string, ready: string): Promise<void> {
  // A log of its own: the event must come after the service synced.
  const nats = await testNats();
  const nc: NatsConnection = await connectNats({ url: nats.url, name: `service-upgrade-stop-${service}` });
  cleanups.push(async () => { await nc.drain(); await nats.cleanup(); });
  await ensureStreams(nc);
  const p = spawnService(service, `${service}-upgrade`, { SWARM_NATS_URL: nats.url, SWARM_LOG_LEVEL: "info", SWARM_API_ADDR: "127.0.0.1:0", SWARM_API_INSECURE_HTTP: "1" });
  procs.push(p);
  const exited = once(p.child, "exit");
  await p.waitForLog((r) => r.msg === ready);
  const id = `v-${service}`;
  const seq = (await jetstream(nc).publish(`swarm.evt.future.${id}`, unknownEvent(id))).seq;
  const [code] = (await exited) as [number | null];
  assert.equal(code, 1, `${service} exits 1`);
  const stopped = p.records.find((x) => x.rec.msg === `${service} stopped`);
  assert.ok(stopped, `${service} logged why it stopped: ${JSON.stringify(p.records.slice(-3).map((x) => x.rec))}`);
  assert.match(String(stopped.rec.err), new RegExp(`seq ${seq} \\(FutureThingHappened on swarm\\.evt\\.future\\.${id}\\)`));
}

describe("a service whose projection meets an event it cannot read", () => {
  it("a controller (scheduler) logs the event and exits 1", { timeout: 60_000 }, async () => {
    await stopsAtUnknownEvent("scheduler", "controller started");
  });

  it("the api logs the event and exits 1", { timeout: 60_000 }, async () => {
    await stopsAtUnknownEvent("api", "listening");
  });
});
