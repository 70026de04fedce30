import type { Envelope, StoredEvent } from "../../schemas/index.js";
import { storedMembers, type EventStore } from "../../services/shared/model/index.js";

/** Every stored event after sequence `after`, up to the log's head now. */
export async function eventsAfter(store: EventStore, after = 0): Promise<StoredEvent[]> {
  const head = await store.headSeq();
  const out: StoredEvent[] = [];
  if (head <= after) return out;
  await new Promise<void>((resolve) => {
    const sub = store.subscribe(after + 1, (e) => {
      out.push(e);
      if (e.seq >= head) void sub.stop().then(resolve);
    });
  });
  return out;
}

/**
 * Every event about `taskId` in the log up to its head, batches expanded into their members (a
 * task's creation, placement and reports are stored in batches on their producers' subjects).
 */
export async function taskEventsOf(store: EventStore, taskId: string): Promise<Envelope[]> {
  return (await eventsAfter(store)).flatMap(storedMembers).map((m) => m.event)
    .filter((e) => "taskId" in e.data && e.data.taskId === taskId);
}
