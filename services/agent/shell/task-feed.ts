import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { NodeTaskDoc, formatZodError, nodeTasksStreamOf, subjects } from "../../../schemas/index.js";
import { errorMessage } from "../../shared/errors/index.js";
import { followOrdered } from "../../shared/eventlog/index.js";
import { type Logger } from "../../shared/telemetry/index.js";

export interface TaskFeedHandlers {
  onDoc(doc: NodeTaskDoc): void;
  /** Called once, after every doc present when the feed started has been delivered. */
  onSynced(): void;
}

/**
 * Follows the node's task subjects (in its shard of NODE_TASKS_*) with an ordered consumer (last per subject, re-created
 * from the next sequence if its NATS server dies: `followOrdered`): first the
 * full desired set, then live changes. The end of the full set is known from the number of
 * subjects the stream held for this node at start (0 → synced at once) and from the consumer's
 * pending count reaching 0.
 */
export async function followTasks(nc: NatsConnection, nodeId: string, log: Logger, h: TaskFeedHandlers): Promise<{ stop(): Promise<void> }> {
  const filter = subjects.nodeTasks(nodeId);
  const jsm = await jetstreamManager(nc);
  const stream = nodeTasksStreamOf(nodeId);
  const info = await jsm.streams.info(stream, { subjects_filter: filter });
  let synced = false;
  const markSynced = () => { if (!synced) { synced = true; h.onSynced(); } };
  // With subjects_filter, `state.subjects` lists only this node's task subjects.
  if (Object.keys(info.state.subjects ?? {}).length === 0) markSynced();
  const follow = followOrdered(nc, {
    stream, filter, start: "last_per_subject", log, what: "task feed",
    onMsg: (m) => {
      try {
        const parsed = NodeTaskDoc.safeParse(m.json());
        if (!parsed.success) log.warn("bad task doc ignored", { subject: m.subject, err: formatZodError(parsed.error) });
        else if (parsed.data.nodeId !== nodeId) log.warn("task doc for another node ignored", { subject: m.subject });
        else h.onDoc(parsed.data);
      } catch (err) {
        log.warn("task doc not handled", { subject: m.subject, err: errorMessage(err) });
      }
      if (m.info.pending === 0) markSynced();
    },
  });
  return follow;
}
