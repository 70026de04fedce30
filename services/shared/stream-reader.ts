import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createInbox, type Msg, type NatsConnection } from "@nats-io/transport-node";

/*
 * Reading a range of a stream fast, for the audit (replay is its hot path: a million events should
 * take seconds). An ephemeral push consumer (no acks, flow control, in memory) delivers to a plain
 * subscription with a callback: no per-message JsMsg or async iteration. Messages arrive in order;
 * a gap in the consumer sequence (a lost delivery) fails the read instead of folding a partial log.
 */

/**
 * A stored message; `subject` without the stream's scratch prefix (see `audit-chain.streamBounds`);
 * `timeMs` when the stream stored it (a number: no Date per message on the hot path).
 */
export interface RawMsg { seq: number; subject: string; data: Uint8Array; timeMs: number }

/** What a JetStream delivery's reply subject says about the message. */
export interface Delivery { streamSeq: number; consumerSeq: number; timeMs: number; pending: number }

/**
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` (9 tokens) or the forms with
 * domain and account hash (11 tokens, or 12 with a random token last). Undefined for anything else.
 */
export function parseDelivery(reply: string): Delivery | undefined {
  if (!reply.startsWith("$JS.ACK.")) return undefined;
  // Tokens from the end, without splitting the whole subject (this runs once per replayed event).
  const dots: number[] = [];
  for (let i = reply.length - 1; i >= 0 && dots.length < 12; i--) if (reply.charCodeAt(i) === 46) dots.push(i);
  const tokens = dots.length + 1;
  // 9 or 11 tokens: pending is last; 12: a random token follows pending.
  const last = tokens === 9 || tokens === 11 ? 0 : tokens === 12 ? 1 : -1;
  if (last < 0) return undefined;
  const tok = (fromEnd: number) => Number(reply.slice(dots[last + fromEnd]! + 1, fromEnd + last === 0 ? reply.length : dots[last + fromEnd - 1]));
  return { pending: tok(0), timeMs: Math.floor(tok(1) / 1e6), consumerSeq: tok(2), streamSeq: tok(3) };
}

/** The consumer's idle heartbeat: how soon a read whose remaining messages were deleted ends. */
const IDLE_MS = 1000;

/**
 * Reads `from..to` (inclusive) of `stream` in order; stops at `to`, at the end of the stream, or
 * early when `onMsg` returns false. Bounded: it never waits for messages past the stream's end,
 * and a range whose remaining messages were deleted ends at the consumer's idle heartbeat.
 * `prefix` is cut from the subjects (a scratch copy's own subject prefix).
 */
export async function readRange(
  nc: NatsConnection, stream: string, from: number, to: number, onMsg: (m: RawMsg) => boolean | void, prefix = "",
): Promise<void> {
  if (to < from || to < 1) return;
  const jsm = await jetstreamManager(nc);
  const inbox = createInbox();
  let consumerName = "";
  let done!: (err?: Error) => void;
  const finished = new Promise<void>((resolve, reject) => { done = (err) => (err ? reject(err) : resolve()); });
  let expected = 1;
  let stopped = false;
  const stop = (err?: Error) => {
    if (stopped) return;
    stopped = true;
    sub.unsubscribe();
    done(err);
  };
  const onDelivery = (m: Msg) => {
    if (stopped) return;
    if (m.headers && m.headers.code === 100) {
      if (m.reply) m.respond(); // flow control
      else if (consumerName) void idle(); // an idle heartbeat: maybe nothing more is coming
      return;
    }
    const d = m.reply ? parseDelivery(m.reply) : undefined;
    if (!d) return;
    if (d.consumerSeq !== expected) return stop(new Error(`reading ${stream}: delivery ${expected} was lost (got ${d.consumerSeq}); try again`));
    expected++;
    if (d.streamSeq > to) return stop();
    const subject = prefix && m.subject.startsWith(prefix) ? m.subject.slice(prefix.length) : m.subject;
    let go: boolean | void;
    try {
      go = onMsg({ seq: d.streamSeq, subject, data: m.data, timeMs: d.timeMs });
    } catch (err) {
      return stop(err instanceof Error ? err : new Error(String(err)));
    }
    if (go === false || d.streamSeq >= to || d.pending === 0) stop();
  };
  /** Ends the read when the consumer has nothing left to deliver (the rest of the range was deleted). */
  const idle = async () => {
    const info = await jsm.consumers.info(stream, consumerName).catch(() => undefined);
    if (info && info.num_pending === 0 && info.delivered.stream_seq < to) stop();
  };
  const sub = nc.subscribe(inbox, { callback: (_err, m) => onDelivery(m) });
  try {
    const info = await jsm.consumers.add(stream, {
      deliver_subject: inbox,
      ack_policy: AckPolicy.None,
      ...(from > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from } : { deliver_policy: DeliverPolicy.All }),
      flow_control: true,
      idle_heartbeat: IDLE_MS * 1e6,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: 30_000 * 1e6,
    });
    consumerName = info.name;
    await finished;
  } finally {
    stop();
    if (consumerName) await jsm.consumers.delete(stream, consumerName).catch(() => undefined);
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
