import { after, before, it } from "node:test";
import assert from "node:assert/strict";
import Docker from "dockerode";
import { AckPolicy, jetstream } from "@nats-io/jetstream";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { randomId } from "../../services/shared/eventlog/index.js";
import { DockerExecutor, start, CONTAINER_LABELS } from "../../services/agent/index.js";
import { NodeStatusMessage, STREAMS, subjects, type NodeTaskDoc, type TaskStatusReport } from "../../schemas/index.js";
import { startNatsServer, type NatsServerHandle } from "../../deploy/launcher/nats-server.js";
import { fakeDispatcher } from "../helpers/register.js";
import { testNats } from "../helpers/nats.js";
import { eventually } from "../helpers/eventually.js";

const docker = new Docker();
const log = createLogger("test", (process.env.AGENT_TEST_LOG as "info" | undefined) ?? "silent");
const node = randomId();
let nats: Awaited<ReturnType<typeof testNats>>;
let restarted: NatsServerHandle | undefined;
let nc: NatsConnection;
let registrations = 0;

before(async () => {
  nats = await testNats();
  nc = await connectNats({ url: nats.url, name: "agent-reconnect-test" });
  const jsm = await ensureStreams(nc);
  // A durable (file) consumer survives the server restart below.
  await jsm.consumers.add(STREAMS.nodeStatus, { durable_name: "probe", ack_policy: AckPolicy.Explicit, filter_subject: subjects.nodeStatus(node) });
  fakeDispatcher(nc, () => { registrations++; return { heartbeatPeriodMs: 200 }; });
});
after(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${CONTAINER_LABELS.nodeId}=${node}`] } })) {
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  await nc?.drain().catch(() => undefined);
  await restarted?.stop();
  await nats?.cleanup();
});

/** Reads (and acks) the task reports queued on NODE_STATUS for the node (one batch). */
async function drainReports(): Promise<TaskStatusReport[]> {
  const c = await jetstream(nc).consumers.get(STREAMS.nodeStatus, "probe");
  const out: TaskStatusReport[] = [];
  // One fetch: heartbeats keep arriving, so "until empty" would never end.
  const batch = await c.fetch({ max_messages: 1000, expires: 1000 });
  for await (const m of batch) {
    const s = NodeStatusMessage.parse(m.json());
    if (s.kind === "tasks") out.push(...s.updates);
    m.ack();
  }
  return out;
}

it("after a NATS restart the agent re-registers, re-sends task state and follows new docs", async () => {
  const d: NodeTaskDoc = {
    taskId: randomId(), serviceId: "s", serviceName: "rc", slot: 1, nodeId: node, version: 1, removed: false,
    spec: { ContainerSpec: { Image: "jetswarm-test/busybox:1", Command: ["sleep", "3600"], StopGracePeriod: 1_000_000_000 } },
    desiredState: "running",
  };
  const js = jetstream(nc);
  await js.publish(subjects.nodeTask(node, d.taskId), JSON.stringify(d));
  const agentNc = await connectNats({ url: nats.url, name: "agent" });
  const agent = await start({ nc: agentNc, log, nodeId: node, executor: new DockerExecutor(docker, log), statusFlushMs: 50 });
  try {
    let seen: TaskStatusReport[] = [];
    await eventually(async () => { seen.push(...await drainReports()); return seen.some((r) => r.state === "running"); }, { what: "running" });
    const containerId = seen.find((r) => r.state === "running")!.containerId;
    const regsBefore = registrations;

    await nats.stop();
    restarted = await startNatsServer({ dataDir: nats.dataDir, port: nats.port });
    await eventually(() => registrations > regsBefore, { what: "re-registration", timeoutMs: 20_000 });
    seen = [];
    await eventually(async () => { seen.push(...await drainReports()); return seen.some((r) => r.state === "running"); }, { what: "state re-sent", timeoutMs: 20_000 });
    assert.equal(seen.find((r) => r.state === "running")!.containerId, containerId);

    await js.publish(subjects.nodeTask(node, d.taskId), JSON.stringify({ ...d, desiredState: "shutdown", version: 2 }));
    await eventually(async () => { seen.push(...await drainReports()); return seen.some((r) => r.state === "shutdown"); }, { what: "shutdown after reconnect", timeoutMs: 20_000 });
    assert.equal((await docker.getContainer(containerId!).inspect()).State.Running, false);
  } finally {
    await agent.stop();
    await agentNc.close();
  }
});
