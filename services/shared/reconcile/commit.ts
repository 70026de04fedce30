import type { ClusterState } from "../model/index.js";
import { WrongLastSequenceError, SwarmError } from "../errors/index.js";
import { toAppend, type EventContext, type EventStore, type PlannedEvent } from "../model/index.js";
import { msgIdFor } from "../eventlog/index.js";
import type { Informer } from "../projection/index.js";
import type { Span } from "@opentelemetry/api";
import { inSpan, traceparentOf } from "../telemetry/index.js";

export interface CommitOptions {
  /** Decide-append rounds before giving up on repeated conflicts. Default 5. */
  attempts?: number;
  /** Appends in flight at once. Default 256. */
  concurrency?: number;
  /** The span the decision belongs to (a request's): its events then carry that span's trace. */
  parent?: Span;
}

/** The message id of a planned event: derived from the decision, so a retry is de-duplicated. */
export function msgIdOf(p: PlannedEvent): string {
  return msgIdFor(p.type, p.kind, p.aggregateId, p.expect, p.key);
}

/**
 * Appends planned events (each with its expectation), at most `concurrency` in flight at any time
 * (a sliding window: one slow ack does not hold back the rest); returns the highest sequence
 * written and the conflicts. Several events on one subject (batches of one scope) are appended in
 * order, each expecting the sequence the one before was stored at; the first conflict on a subject
 * stops the rest of that subject's events. Any other failure is thrown once every append has settled.
 */
export async function appendPlanned(
  store: EventStore, planned: PlannedEvent[], ctx: EventContext, concurrency = 256,
): Promise<{ maxSeq: number; conflicts: WrongLastSequenceError[] }> {
  let maxSeq = 0;
  const conflicts: WrongLastSequenceError[] = [];
  let firstOther: unknown;
  const chains = new Map<string, PlannedEvent[]>();
  for (const p of planned) {
    const key = `${p.kind}.${p.aggregateId}`;
    const chain = chains.get(key);
    if (chain) chain.push(p);
    else chains.set(key, [p]);
  }
  const units = [...chains.values()];
  let next = 0;
  const worker = async () => {
    while (next < units.length) {
      const unit = units[next++]!;
      let expect = unit[0]!.expect;
      for (const planned of unit) {
        const p = { ...planned, expect };
        try {
          const seq = (await store.append(toAppend(p, ctx, msgIdOf(p)))).seq;
          maxSeq = Math.max(maxSeq, seq);
          expect = seq;
        } catch (err) {
          if (err instanceof WrongLastSequenceError) conflicts.push(err);
          else firstOther ??= err;
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, units.length) }, worker));
  if (firstOther) throw firstOther;
  return { maxSeq, conflicts };
}

/**
 * Decide on the projection, append with expectations, wait until the projection has applied what
 * was written. On "wrong last sequence": catch the projection up to the log head, decide again,
 * retry — a bounded number of times. Returns the highest sequence written (0 if nothing).
 */
export async function decideAndCommit(
  store: EventStore,
  informer: Informer,
  decide: (state: ClusterState) => PlannedEvent[],
  ctx: () => EventContext,
  opts: CommitOptions = {},
): Promise<number> {
  return inSpan("decide-and-commit", {}, async (span) => {
    const written = await commitLoop(store, informer, decide, ctx, opts, traceparentOf(span));
    span.setAttribute("jetswarm.last_seq", written);
    return written;
  }, opts.parent);
}

/**
 * How long a commit waits for its own projection to apply what it appended. A NATS server's death
 * can stall a projection for a few seconds (its consumer is re-created on a live server) after the
 * append itself was acknowledged; an api that gave up sooner would answer 503 for a write it made.
 */
const READ_YOUR_WRITES_MS = 20_000;

async function commitLoop(
  store: EventStore, informer: Informer, decide: (state: ClusterState) => PlannedEvent[],
  ctx: () => EventContext, opts: CommitOptions, traceparent: string | undefined,
): Promise<number> {
  const attempts = opts.attempts ?? 5;
  let written = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const planned = decide(informer.state);
    if (planned.length === 0) return written;
    const { maxSeq, conflicts } = await appendPlanned(store, planned, { traceparent, ...ctx() }, opts.concurrency);
    written = Math.max(written, maxSeq);
    if (maxSeq > 0) await informer.waitFor(maxSeq, READ_YOUR_WRITES_MS);
    if (conflicts.length === 0) return written;
    await informer.waitFor(await store.headSeq(), READ_YOUR_WRITES_MS);
  }
  throw new SwarmError("conflict", `gave up after ${attempts} conflicting attempts`);
}
