import type { StoredEvent } from "../../../schemas/index.js";
import { WrongLastSequenceError } from "../errors/index.js";
import type { AppendRequest, AppendResult, EventStore, Subscription } from "../model/index.js";

/** In-memory event log with the JetStream adapter's contract. For unit tests of pure logic only. */
export class MemoryEventStore implements EventStore {
  readonly events: StoredEvent[] = [];
  private readonly lastBySubject = new Map<string, number>();
  private readonly seqByMsgId = new Map<string, number>();
  private readonly listeners = new Set<(e: StoredEvent) => void>();

  async append(req: AppendRequest): Promise<AppendResult> {
    const dup = this.seqByMsgId.get(req.msgId);
    if (dup !== undefined) return { seq: dup, duplicate: true };
    const subject = req.event.subject;
    const last = this.lastBySubject.get(subject) ?? 0;
    if (last !== req.expectedLastSubjectSeq) throw new WrongLastSequenceError(subject, req.expectedLastSubjectSeq);
    const stored: StoredEvent = { seq: this.events.length + 1, event: structuredClone(req.event) };
    this.events.push(stored);
    this.lastBySubject.set(subject, stored.seq);
    this.seqByMsgId.set(req.msgId, stored.seq);
    for (const l of this.listeners) l(stored);
    return { seq: stored.seq, duplicate: false };
  }

  async headSeq(): Promise<number> {
    return this.events.length;
  }

  subscribe(fromSeq: number, onEvent: (e: StoredEvent) => void): Subscription {
    for (const e of this.events.slice(Math.max(0, fromSeq - 1))) onEvent(e);
    this.listeners.add(onEvent);
    return { stop: async () => { this.listeners.delete(onEvent); } };
  }
}
