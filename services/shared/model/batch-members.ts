import type { Actor, BatchType, Envelope, EventType, StoredEvent } from "../../../schemas/index.js";
import { CATALOGUE, entryOf, subjects } from "../../../schemas/index.js";

/*
 * Batches (schemas/events/batches.ts): one stored message carries many tasks' events of one type.
 * Readers expand a batch back into its members, each an ordinary envelope of the singular type on
 * its aggregate's own subject, so the fold, the listeners and the audit handle one shape. A
 * member's id is `<batch id>/<index>`; its actor is the batch's unless the batch's catalogue entry
 * says otherwise (a reported status: the node that reported it, via the dispatcher instance).
 * Everything here is derived from the catalogue. Pure. Writers pack: see batches.ts.
 */

/** Each batch type's member type. */
export const BATCH_MEMBER = Object.fromEntries(
  Object.entries(CATALOGUE).flatMap(([t, e]) => ("batch" in e && e.batch ? [[t, e.batch.member]] : [])),
) as Record<BatchType, EventType>;

const BATCHES = new Set<string>(Object.keys(BATCH_MEMBER));

export function isBatch(e: Envelope): e is Extract<Envelope, { type: BatchType }> {
  return BATCHES.has(e.type);
}

/** The singular events a stored event stands for: itself, or a batch's members in order. */
export function membersOf(e: Envelope): Envelope[] {
  const spec = entryOf(e.type).batch;
  if (!spec) return [e];
  const member = spec.member as EventType;
  const { kind, idField } = entryOf(member);
  // Object literals of one shape, no spreads: every follower expands every batch.
  const { id, at, actor, causationId, correlationId, traceparent } = e;
  const list = spec.elements(e.data);
  const out: Envelope[] = [];
  for (let i = 0; i < list.length; i++) {
    const el = list[i];
    const data = spec.expand(e.data, el) as Record<string, string>;
    const a: Actor = spec.actor ? spec.actor(el, actor) : actor;
    const subject = subjects.event(kind, idField === undefined ? "default" : data[idField]!);
    out.push({ id: `${id}/${i}`, type: member, subject, at, actor: a, causationId, correlationId, traceparent, data } as unknown as Envelope);
  }
  return out;
}

/** `membersOf` for a stored event: every member carries the batch's sequence. */
export function storedMembers(s: StoredEvent): StoredEvent[] {
  return isBatch(s.event) ? membersOf(s.event).map((event) => ({ seq: s.seq, event })) : [s];
}
