import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { STREAMS } from "../../schemas/index.js";
import { connectNats } from "../../services/shared/nats/index.js";
import { joinAgent, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/eventually.js";

/*
 * `swarm up` secures its bus by default (DESIGN §6): the embedded nats-server requires mutual TLS
 * from the cluster CA, every process connects as its own identity, and the cluster works under it.
 */

let c: TestCluster;

before(async () => {
  c = await startTestCluster("bussec");
});

after(async () => {
  await c?.cleanup();
});

async function connects(opts: Parameters<typeof connect>[0]): Promise<string> {
  try {
    const nc = await connect({ servers: c.natsUrl, reconnect: false, timeout: 5000, ...opts });
    await nc.close();
    return "connected";
  } catch (err) {
    return (err as Error).message;
  }
}

test("the embedded NATS refuses plaintext and certificate-less clients; the operator identity is admitted", async () => {
  assert.ok(c.natsTls, "a secured cluster hands out an operator identity");
  assert.notEqual(await connects({}), "connected");
  assert.notEqual(await connects({ tls: { caFile: c.natsTls.ca } }), "connected");
  const nc = await connectNats({ url: c.natsUrl, name: "bussec-admin", tls: c.natsTls });
  assert.equal((await (await jetstreamManager(nc)).streams.info(STREAMS.events)).config.name, STREAMS.events);
  await nc.close();
  // Key files are the owner's only.
  assert.equal(statSync(join(c.dataDir, "keys", "bus", "svc-api.key")).mode & 0o777, 0o600);
  assert.equal(statSync(join(c.dataDir, "keys", "bus")).mode & 0o777, 0o700);
});

test("under it, the control plane and the agent run a service", async () => {
  await c.swarm("service", "create", "--name", "sec", "--replicas", "2", "jetswarm-test/busybox:1", "sleep", "3600");
  await eventually(async () => ((await c.containers({ running: true, service: "sec" })).length === 2 ? true : undefined), {
    timeoutMs: 60_000, what: "2 running containers of sec",
  });
});

test("a joined worker connects with its own node certificate; node rm closes its connection and keeps it out", async () => {
  const w = await joinAgent(c, "bussec-w1");
  assert.ok(existsSync(join(w.dataDir, "node", "node.crt")), "the worker has its node certificate");
  await eventually(async () => {
    const nodes = await c.get<{ ID: string; Status: { State: string } }[]>("/nodes");
    return nodes.find((n) => n.ID === w.nodeId)?.Status.State === "ready";
  }, { timeoutMs: 60_000, what: "the worker ready (registered through its own subject)" });
  const agentLog = join(w.dataDir, "logs", "agent.log");
  const before = readFileSync(agentLog, "utf8").length;
  await c.swarm("node", "rm", "--force", w.nodeId);
  // The kick closes the connection; the reconnection is refused by the callout.
  await eventually(() => /Authorization Violation|authorization/i.test(readFileSync(agentLog, "utf8").slice(before)), {
    timeoutMs: 30_000, what: "the removed worker's agent refused by the bus",
  });
});
