import { AckPolicy, jetstream, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { NodeStatusMessage, STREAMS, subjects, type TaskStatusReport } from "../../schemas/index.js";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { testNats } from "./nats.js";
import { fakeDispatcher } from "./register.js";

/*
 * What an agent test stands on (agent-secrets, agent-networks): a real nats-server with the
 * streams, a stand-in dispatcher answering every registration, and every task status report the
 * agents send, by task id, in order — read from the node-status stream as the dispatcher reads it.
 */

export interface AgentBus {
  nats: Awaited<ReturnType<typeof testNats>>;
  nc: NatsConnection;
  jsm: JetStreamManager;
  js: JetStreamClient;
  /** Every report of each task, in the order the stream holds them. */
  reports: Map<string, TaskStatusReport[]>;
  /** Drains the connection and stops the server (removing its store). */
  stop(): Promise<void>;
}

/** `name` names the connection; `heartbeatPeriodMs` is what the stand-in dispatcher tells agents. */
export async function startAgentBus(name: string, heartbeatPeriodMs: number): Promise<AgentBus> {
  const nats = await testNats();
  const nc = await connectNats({ url: nats.url, name });
  const jsm = await ensureStreams(nc);
  const js = jetstream(nc);
  fakeDispatcher(nc, () => ({ heartbeatPeriodMs }));
  const reports = new Map<string, TaskStatusReport[]>();
  await jsm.consumers.add(STREAMS.nodeStatus, { durable_name: "test-status", ack_policy: AckPolicy.Explicit, filter_subject: subjects.nodeStatusAll });
  const msgs = await (await js.consumers.get(STREAMS.nodeStatus, "test-status")).consume();
  // Runs until the connection drains (stop): the consume loop then ends by itself.
  void (async () => {
    for await (const m of msgs) {
      const s = NodeStatusMessage.parse(m.json());
      if (s.kind === "tasks") for (const u of s.updates) reports.set(u.taskId, [...(reports.get(u.taskId) ?? []), u]);
      m.ack();
    }
  })();
  return {
    nats, nc, jsm, js, reports,
    stop: async () => {
      await nc.drain();
      await nats.cleanup();
    },
  };
}
