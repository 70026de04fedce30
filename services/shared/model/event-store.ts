import type { AggregateKind, Actor, Envelope, EventData, EventType, StoredEvent } from "../../../schemas/index.js";
import { entryOf, subjects } from "../../../schemas/index.js";

/**
 * The contract of the event log (DESIGN §3). Implemented by the JetStream adapter and by an
 * in-memory fake used only for unit tests of pure logic; both pass the same contract tests.
 */
export interface AppendRequest {
  event: Envelope;
  /** The aggregate's version the writer decided on; 0 = the aggregate must not exist yet. */
  expectedLastSubjectSeq: number;
  /** Deterministic, derived from the cause and the step: a retried append is stored once. */
  msgId: string;
}
export interface AppendResult { seq: number; duplicate: boolean }

export interface Subscription {
  stop(): Promise<void>;
}

export interface EventStore {
  /** Throws WrongLastSequenceError when the expectation does not hold. */
  append(req: AppendRequest): Promise<AppendResult>;
  /** The stream's last sequence (0 when empty). */
  headSeq(): Promise<number>;
  /**
   * Delivers, in order, every event with seq ≥ fromSeq, then follows new ones until stopped. A
   * stored event this build cannot read (`decodeEvent`: an unknown type, a newer version, data
   * that does not parse) is never skipped: delivery stops there and `onUnreadable` says which
   * (default: logged as an error).
   */
  subscribe(fromSeq: number, onEvent: (e: StoredEvent) => void, onUnreadable?: (u: UnreadableEvent) => void): Subscription;
}

/** A stored event its reader cannot read: where it is and why. */
export interface UnreadableEvent { seq: number; subject: string; type?: string; why: string }

/**
 * What pure code decides: an event for one aggregate, the version it decided on, and a step key
 * from which the shell derives the message id (and the event id).
 */
export interface PlannedEvent<T extends EventType = EventType> {
  type: T;
  kind: AggregateKind;
  aggregateId: string;
  data: EventData<T>;
  expect: number;
  /** Unique per decision step, stable across retries: e.g. `create:<service>:<slot>:<n>`. */
  key: string;
}

export function plan<T extends EventType>(
  type: T, kind: AggregateKind, aggregateId: string, data: EventData<T>, expect: number, key: string,
): PlannedEvent<T> {
  return { type, kind, aggregateId, data, expect, key };
}

export interface EventContext {
  actor: Actor;
  now: Date;
  causationId?: string;
  correlationId?: string;
  /** W3C trace context of the decision that appends (OpenTelemetry). */
  traceparent?: string;
}

/** Turns a planned event into an append request: envelope, expectation, message id. */
export function toAppend(p: PlannedEvent, ctx: EventContext, msgId: string): AppendRequest {
  const event = {
    id: msgId,
    type: p.type,
    subject: subjects.event(p.kind, p.aggregateId),
    at: ctx.now.toISOString(),
    actor: ctx.actor,
    causationId: ctx.causationId,
    correlationId: ctx.correlationId,
    traceparent: ctx.traceparent,
    v: entryOf(p.type).version,
    data: p.data,
  } as Envelope;
  return { event, expectedLastSubjectSeq: p.expect, msgId };
}
