import { AckPolicy, DeliverPolicy, jetstreamManager, type ConsumerConfig } from "@nats-io/jetstream";
import { createInbox, nanos, type NatsConnection } from "@nats-io/transport-node";

/*
 * The bounded reader of a stream range, without the JsMsg machinery: an ephemeral push consumer
 * (ack none, flow control, idle heartbeats) read through a plain core subscription with a callback;
 * the stream sequence, the store time and the pending count come out of the reply subject. The
 * consumer sequence in the reply subject (and the last one a heartbeat names) shows a lost
 * delivery: the read then resumes after the last message it handed on, on a new consumer, so
 * nothing is lost, repeated or reordered.
 */

/**
 * A stored message; `subject` without the stream's scratch prefix (see `audit-chain.streamBounds`);
 * `timeMs` when the stream stored it (a number: no Date per message on the hot path).
 */
export interface RawMsg {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly timeMs: number;
  /** The payload decoded as UTF-8, when the reader can do that more cheaply than from `data`. */
  readonly text?: string;
}

/** A message on the consumer's deliver subject (a nats.js `Msg` is one). */
export interface InboxMsg {
  subject: string;
  reply?: string;
  data: Uint8Array;
  /** Headers; only status messages' (flow control, heartbeats) are looked at. */
  headers?: { code: number; get(name: string): string };
}

/** How deliveries are received and flow control answered: the connection's own subscription, or a `raw-inbox.ts` socket. */
export interface Feed {
  /** Subscribes; resolves once the server has the subscription. The returned function unsubscribes. */
  listen(subject: string, on: (m: InboxMsg) => void, onError: (err: unknown) => void): Promise<() => void>;
  /** An empty message (a flow-control answer). */
  publish(subject: string): void;
}

/** Deliveries through the connection itself (a core subscription with a callback). */
export function connectionFeed(nc: NatsConnection): Feed {
  return {
    listen: async (subject, on, onError) => {
      const sub = nc.subscribe(subject, { callback: (err, m) => (err ? onError(err) : on(m)) });
      return () => sub.unsubscribe();
    },
    publish: (subject) => nc.publish(subject),
  };
}

export interface PushReadOptions {
  /** Where deliveries arrive; default the connection's own subscription. */
  feed?: Feed;
  /**
   * Every flow-control answer passes through it: a reader that hands messages on elsewhere calls
   * `answer` only once it has caught up, which holds the server back. Default: answer at once.
   */
  gate?: (answer: () => void) => void;
  /** Ends the read early (as if `onMsg` had returned false), even while no message arrives. */
  signal?: AbortSignal;
}

/** What a delivery's reply subject says. */
export interface Delivery { seq: number; cseq: number; timeMs: number; pending: number }

const HEARTBEAT_MS = 1000;
/** Without a message or heartbeat for this long, the consumer is taken as gone and the read resumes. */
const SILENT_MS = 5 * HEARTBEAT_MS;
/** Resumptions (lost deliveries, vanished consumers) before the read fails. */
const MAX_RESUMES = 5;

/**
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tsNanos>.<pending>`, or the 2.10 form
 * `$JS.ACK.<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tsNanos>.<pending>.<token>`;
 * undefined for anything else.
 */
export function parseAckReply(reply: string): Delivery | undefined {
  if (!reply.startsWith("$JS.ACK.")) return undefined;
  // Token boundaries by indexOf rather than split: this runs once per message.
  let tokens = 1;
  for (let i = reply.indexOf("."); i >= 0; i = reply.indexOf(".", i + 1)) tokens++;
  // How many tokens follow <pending>: none in the old form, one in the 2.10 form.
  const trailing = tokens === 9 ? 0 : tokens >= 11 ? tokens - 11 : -1;
  if (trailing < 0) return undefined;
  let end = reply.length;
  for (let k = 0; k < trailing; k++) end = reply.lastIndexOf(".", end - 1);
  const p = reply.lastIndexOf(".", end - 1);
  const t = reply.lastIndexOf(".", p - 1);
  const c = reply.lastIndexOf(".", t - 1);
  const s = reply.lastIndexOf(".", c - 1);
  const d = {
    seq: digits(reply, s + 1, c), cseq: digits(reply, c + 1, t),
    // Milliseconds from the digits (exact: no float rounding of the nanoseconds).
    timeMs: t + 1 < p - 6 ? digits(reply, t + 1, p - 6) : 0, pending: digits(reply, p + 1, end),
  };
  return d.seq >= 0 && d.cseq >= 0 && d.pending >= 0 && d.timeMs >= 0 ? d : undefined;
}

/** The decimal number in `s[from, to)`; -1 when it is empty or not all digits. */
function digits(s: string, from: number, to: number): number {
  if (to <= from) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

type Outcome = { done: true } | { done: false; next: number; reason: string };

/**
 * Reads `from..to` (inclusive) of `stream` in order; stops at `to`, at the end of the stream, or
 * early when `onMsg` returns false (or throws: the read fails with it). Bounded: it never waits
 * for messages past the stream's end. `prefix` is cut from the subjects.
 */
export async function pushRead(
  nc: NatsConnection, stream: string, from: number, to: number, onMsg: (m: RawMsg) => boolean | void,
  prefix = "", opts: PushReadOptions = {},
): Promise<void> {
  let next = Math.max(1, from);
  for (let resumes = 0; next <= to; resumes++) {
    if (opts.signal?.aborted) return;
    const r = await readOnce(nc, opts.feed ?? connectionFeed(nc), stream, next, to, onMsg, prefix, opts.gate ?? ((answer) => answer()), opts.signal);
    if (r.done) return;
    if (resumes >= MAX_RESUMES) throw new Error(`reading ${stream}: ${r.reason}; gave up at seq ${r.next} after ${MAX_RESUMES} resumptions`);
    next = r.next;
  }
}

async function readOnce(
  nc: NatsConnection, feed: Feed, stream: string, from: number, to: number, onMsg: (m: RawMsg) => boolean | void,
  prefix: string, gate: (answer: () => void) => void, signal?: AbortSignal,
): Promise<Outcome> {
  const jsm = await jetstreamManager(nc);
  let settle!: (o: Outcome) => void;
  let fail!: (err: unknown) => void;
  let over = false;
  const outcome = new Promise<Outcome>((resolve, reject) => {
    settle = (o) => { if (!over) { over = true; resolve(o); } };
    fail = (err) => { if (!over) { over = true; reject(err); } };
  });
  /** The next consumer sequence expected, and the last stream sequence handed on. */
  let cseq = 1;
  let last = from - 1;
  let heard = 0;
  const lost = (reason: string) => settle({ done: false, next: last + 1, reason });

  const control = (m: InboxMsg) => {
    const h = m.headers;
    if (!h || h.code !== 100) return;
    const fc = m.reply;
    if (fc) { gate(() => feed.publish(fc)); return; } // a flow-control request
    // An idle heartbeat: it names the last consumer sequence sent (a lost tail shows here) and,
    // when the server waits on a flow-control answer, where to send it.
    const sent = Number(h.get("Nats-Last-Consumer") || 0);
    if (sent >= cseq) return lost(`deliveries ${cseq}..${sent} never arrived`);
    const stalled = h.get("Nats-Consumer-Stalled");
    if (stalled) gate(() => feed.publish(stalled));
  };
  const inbox = createInbox();
  const onDelivery = (m: InboxMsg) => {
    if (over) return;
    heard++;
    const d = parseAckReply(m.reply ?? "");
    if (!d) return control(m);
    if (d.cseq !== cseq) return lost(`delivery ${d.cseq} arrived where ${cseq} was due`);
    cseq++;
    if (d.seq > to) return settle({ done: true });
    last = d.seq;
    const s = m.subject;
    let go: boolean | void;
    try {
      go = onMsg({ seq: d.seq, subject: prefix && s.startsWith(prefix) ? s.slice(prefix.length) : s, data: m.data, timeMs: d.timeMs });
    } catch (e) {
      return fail(e);
    }
    if (go === false || d.seq >= to || d.pending === 0) settle({ done: true });
  };
  const unsubscribe = await feed.listen(inbox, onDelivery, fail);
  const abort = () => settle({ done: true });
  signal?.addEventListener("abort", abort);
  let seen = 0;
  const watch = setInterval(() => {
    if (heard === seen) lost(`no message or heartbeat from the consumer for ${SILENT_MS} ms`);
    seen = heard;
  }, SILENT_MS);
  const config: Partial<ConsumerConfig> = {
    deliver_subject: inbox, ack_policy: AckPolicy.None, flow_control: true, idle_heartbeat: nanos(HEARTBEAT_MS),
    mem_storage: true, num_replicas: 1, inactive_threshold: nanos(60_000),
    ...(from > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from } : { deliver_policy: DeliverPolicy.All }),
  };
  let name: string | undefined;
  try {
    const info = await jsm.consumers.add(stream, config);
    name = info.name;
    if (info.num_pending === 0 && info.delivered.consumer_seq === 0) settle({ done: true }); // nothing at or after `from`
    return await outcome;
  } catch (err) {
    over = true;
    throw err;
  } finally {
    clearInterval(watch);
    signal?.removeEventListener("abort", abort);
    unsubscribe();
    if (name) await jsm.consumers.delete(stream, name).catch(() => undefined);
  }
}
