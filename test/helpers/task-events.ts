import type { Envelope } from "../../schemas/index.js";
import { storedMembers, type EventStore } from "../../services/shared/index.js";

/**
 * Every event about `taskId` in the log up to its head, batches expanded into their members (a
 * task's creation, placement and reports are stored in batches on their producers' subjects).
 */
export async function taskEventsOf(store: EventStore, taskId: string): Promise<Envelope[]> {
  const head = await store.headSeq();
  const out: Envelope[] = [];
  if (head === 0) return out;
  await new Promise<void>((resolve) => {
    const sub = store.subscribe(1, (e) => {
      for (const m of storedMembers(e)) if ("taskId" in m.event.data && m.event.data.taskId === taskId) out.push(m.event);
      if (e.seq >= head) void sub.stop().then(resolve);
    });
  });
  return out;
}
