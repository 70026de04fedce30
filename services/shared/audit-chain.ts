import { createHash } from "node:crypto";
import { DeliverPolicy, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { subjects } from "../../schemas/index.js";
import { ensureBucket } from "./lease.js";

/*
 * The audit hash chain over a stream (issue 5, "audit by replay"):
 *   h_0 = GENESIS, h_n = sha256(h_{n-1} ‖ "\n" seq "\n" subject "\n" ‖ payload bytes).
 * Checkpoints {seq, hash} live in KV `swarm-audit` under `<stream>.<seq>`; a later recomputation
 * that disagrees with a checkpoint shows an event at or before that sequence was altered.
 * Every function takes the stream's name so that an altered copy can be checked in a scratch stream;
 * the chain is over the subjects without the scratch stream's prefix, so a faithful copy has the
 * same chain as its original.
 */

export const AUDIT_BUCKET = "swarm-audit";
export const GENESIS = "0".repeat(64);

const enc = new TextEncoder();

/** One step of the chain: pure over the given bytes. */
export function chainNext(prev: string, seq: number, subject: string, payload: Uint8Array): string {
  return createHash("sha256").update(prev).update(enc.encode(`\n${seq}\n${subject}\n`)).update(payload).digest("hex");
}

/** The chain's value after the given messages, in order. */
export function chainOf(msgs: { seq: number; subject: string; data: Uint8Array }[], start = GENESIS): string {
  return msgs.reduce((h, m) => chainNext(h, m.seq, m.subject, m.data), start);
}

/** A stored message; `subject` without the stream's prefix (see `streamBounds`). */
export interface RawMsg { seq: number; subject: string; data: Uint8Array; time: Date }

/**
 * First and last sequence of a stream (last = 0 when empty), and the prefix its subjects carry
 * before `swarm.evt.` (empty for EVENTS): a scratch copy with subjects of its own
 * (`scratch.swarm.evt.>`) reads as the same log.
 */
export async function streamBounds(nc: NatsConnection, stream: string): Promise<{ first: number; last: number; prefix: string }> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  return { first: info.state.first_seq, last: info.state.last_seq, prefix: subjectPrefix(info.config.subjects ?? []) };
}

/** `["scratch.swarm.evt.>"]` → `scratch.`; `""` when the stream holds `swarm.evt.>` itself or something else. */
export function subjectPrefix(streamSubjects: string[]): string {
  const tail = subjects.eventsAll;
  const s = streamSubjects.length === 1 ? streamSubjects[0]! : "";
  return s.endsWith(`.${tail}`) ? s.slice(0, -tail.length) : "";
}

/** The stored time of message `seq`, or undefined when it is missing (deleted from the stream). */
async function timeOf(jsm: JetStreamManager, stream: string, seq: number): Promise<number | undefined> {
  try {
    const m = await jsm.streams.getMessage(stream, { seq });
    return m ? m.time.getTime() : undefined;
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.NoMessageFound) return undefined;
    throw err;
  }
}

/**
 * The first sequence stored at or after `time` (last + 1 when none), by binary search over store
 * times. A missing sequence (a gap) is skipped forward, so a stream with deleted messages works.
 */
export async function seqAtTime(nc: NatsConnection, stream: string, time: Date): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const { first, last } = await streamBounds(nc, stream);
  const t = time.getTime();
  let lo = Math.max(1, first);
  let hi = last + 1;
  while (lo < hi) {
    let mid = Math.floor((lo + hi) / 2);
    let at = await timeOf(jsm, stream, mid);
    while (at === undefined && mid + 1 < hi) at = await timeOf(jsm, stream, ++mid);
    if (at === undefined) hi = Math.floor((lo + hi) / 2);
    else if (at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Messages per pull of the range reader: large, since replay is the audit's hot path. */
const RANGE_BATCH = 10_000;

/**
 * Reads `from..to` (inclusive) of a stream with an ordered consumer, in order; stops at `to`, at
 * the stream's end (nothing pending), or early when `onMsg` returns false. Bounded: it never waits
 * for messages past `to` nor past the end, so a deleted `to` does not hang it.
 */
export async function readRange(
  nc: NatsConnection, stream: string, from: number, to: number, onMsg: (m: RawMsg) => boolean | void,
): Promise<void> {
  if (to < from || to < 1) return;
  const { prefix } = await streamBounds(nc, stream);
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, {
    ...(from > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from } : { deliver_policy: DeliverPolicy.All }),
  });
  const messages = await consumer.consume({ max_messages: RANGE_BATCH });
  try {
    for await (const m of messages) {
      if (m.seq > to) break;
      const subject = prefix && m.subject.startsWith(prefix) ? m.subject.slice(prefix.length) : m.subject;
      const go = onMsg({ seq: m.seq, subject, data: m.data, time: m.time });
      if (go === false || m.seq >= to || m.info.pending === 0) break;
    }
  } finally {
    messages.stop();
    await consumer.delete().catch(() => undefined);
  }
}

/**
 * Waits (at most `ms`, at least 1 s) until the stream holds a message after `seq`; true when one
 * arrived. Used by `GET /events?wait=` so that `swarm events --follow` long-polls.
 */
export async function waitPast(nc: NatsConnection, stream: string, seq: number, ms: number): Promise<boolean> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq + 1 });
  try {
    const m = await consumer.next({ expires: Math.max(1000, ms) });
    return m !== null;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

export interface Checkpoint { seq: number; hash: string }

/** The checkpoint bucket, created on first use (no TTL: checkpoints are kept). */
export function openAuditKv(nc: NatsConnection): Promise<KV> {
  return ensureBucket(nc, AUDIT_BUCKET, { ttlMs: 0 });
}

export async function putCheckpoint(kv: KV, stream: string, c: Checkpoint): Promise<void> {
  await kv.put(`${stream}.${c.seq}`, JSON.stringify(c));
}

/** Every checkpoint of a stream, by sequence. Unparseable entries are skipped (never trusted). */
export async function listCheckpoints(kv: KV, stream: string): Promise<Checkpoint[]> {
  const out: Checkpoint[] = [];
  const keys = await kv.keys(`${stream}.>`);
  for await (const k of keys) {
    const e = await kv.get(k);
    if (!e || e.operation !== "PUT") continue;
    try {
      const c = JSON.parse(e.string()) as Checkpoint;
      if (Number.isInteger(c.seq) && typeof c.hash === "string") out.push({ seq: c.seq, hash: c.hash });
    } catch { /* skipped */ }
  }
  return out.sort((a, b) => a.seq - b.seq);
}
