import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager, type ConsumerConfig, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { NodeTaskDoc, formatZodError, nodeTasksStreamOf, subjects } from "../../../schemas/index.js";
import { agentConsumer } from "../../../schemas/bus-permissions.js";
import { errorMessage } from "../../shared/errors/index.js";
import { FOLLOW_PULL } from "../../shared/nats/index.js";
import { type Logger } from "../../shared/telemetry/index.js";

export interface TaskFeedHandlers {
  onDoc(doc: NodeTaskDoc): void;
  /** Called once, after every doc present when the feed started has been delivered. */
  onSynced(): void;
}

/** A consumer nobody pulls from for this long is removed by the server (a node that went away). */
const INACTIVE_NS = 10 * 60 * 1e9;

/**
 * Follows the node's task subjects (in its shard of NODE_TASKS_*) with the node's own named
 * consumer `agent-<nodeId>` — the one consumer its bus identity may create, read and delete
 * (DESIGN §6: ordered consumers have random names and `STREAM.INFO` is the whole stream's, so
 * neither can be scoped to a node). First the full desired set (last message per subject), then
 * live changes; the end of the full set is known from the consumer's `num_pending` at creation
 * (0 → synced at once) and from a delivery's pending count reaching 0. The consumer is re-created
 * from the next sequence when its server dies, it vanishes, or the connection moves (as
 * `followOrdered` does for an ordered one).
 */
export async function followTasks(nc: NatsConnection, nodeId: string, log: Logger, h: TaskFeedHandlers): Promise<{ stop(): Promise<void> }> {
  const stream = nodeTasksStreamOf(nodeId);
  const name = agentConsumer(nodeId);
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const js = jetstream(nc, { checkAPI: false });
  let synced = false;
  const markSynced = () => { if (!synced) { synced = true; h.onSynced(); } };
  let next = 0; // 0: not started (last per subject); else the next stream sequence wanted
  let stopped = false;
  let current: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;

  const config = (): Partial<ConsumerConfig> => ({
    name, filter_subject: subjects.nodeTasks(nodeId), ack_policy: AckPolicy.None, mem_storage: true, num_replicas: 1,
    inactive_threshold: INACTIVE_NS,
    ...(next === 0 ? { deliver_policy: DeliverPolicy.LastPerSubject } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next }),
  });
  const onMsg = (m: JsMsg) => {
    if (next !== 0 && m.seq < next) return;
    next = m.seq + 1;
    try {
      const parsed = NodeTaskDoc.safeParse(m.json());
      if (!parsed.success) log.warn("bad task doc ignored", { subject: m.subject, err: formatZodError(parsed.error) });
      else if (parsed.data.nodeId !== nodeId) log.warn("task doc for another node ignored", { subject: m.subject });
      else h.onDoc(parsed.data);
    } catch (err) {
      log.warn("task doc not handled", { subject: m.subject, err: errorMessage(err) });
    }
    if (m.info.pending === 0) markSynced();
  };
  const once = async () => {
    // A previous consumer (an earlier run of this agent, or one whose server restarted) starts
    // from the wrong place: replaced by one from where this feed is.
    await jsm.consumers.delete(stream, name).catch((err: unknown) => {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound)) throw err;
    });
    const info = await jsm.consumers.add(stream, config());
    if (info.num_pending === 0 && next === 0) markSynced();
    if (next === 0) next = 1; // from now on re-created from a sequence
    const messages = await (await js.consumers.get(stream, name)).consume({ max_messages: 1000, ...FOLLOW_PULL });
    current = messages;
    if (stopped) messages.stop();
    void (async () => {
      for await (const s of messages.status()) if (s.type === "heartbeats_missed" && s.count >= 2) messages.stop();
    })().catch(() => undefined);
    for await (const m of messages) onMsg(m);
  };
  void (async () => {
    for await (const s of nc.status()) {
      if (stopped) break;
      if (s.type === "reconnect") current?.stop();
    }
  })().catch(() => undefined);
  const done = (async () => {
    for (let failures = 0; !stopped;) {
      try {
        await once();
        failures = 0;
      } catch (err) {
        failures++;
        if (!stopped) log.warn("task feed: consumer failed, following again", { from: next, err: errorMessage(err) });
      }
      if (stopped) break;
      await new Promise<void>((r) => { wake = r; setTimeout(r, Math.min(100 * 2 ** failures, 2000)); });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      current?.stop();
      wake?.();
      await done;
      await jsm.consumers.delete(stream, name).catch(() => undefined);
    },
  };
}
