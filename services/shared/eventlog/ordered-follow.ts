import { DeliverPolicy, jetstream, type ConsumerMessages, type JsMsg, type OrderedConsumerOptions } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { errorMessage } from "../errors/index.js";
import type { Logger } from "../telemetry/index.js";
import { FOLLOW_PULL } from "../nats/index.js";

export interface FollowOptions {
  stream: string;
  /**
   * Subject filter; omit it to read the whole stream. Sent as the consumer's single
   * `filter_subject`: nats-server 2.10 serves a `filter_subjects` list by scanning the stream's
   * messages one by one (each pull of each such consumer), which with a thousand agents' feeds on
   * NODE_TASKS took half of the server's CPU; a single filter is looked up by subject instead.
   */
  filter?: string;
  /** The first delivery: from a sequence (≤ 1: the whole stream), or the last message per subject. */
  start: { seq: number } | "last_per_subject";
  /** Called in stream order; a message is never handed twice, even across re-creations. */
  onMsg(m: JsMsg): void;
  log?: Logger;
  /** What the log lines name. */
  what: string;
}

export interface Follow { stop(): Promise<void> }


/**
 * Follows a stream with an ordered consumer that survives a NATS server dying. nats.js re-creates
 * an ordered consumer itself in many cases, but not when the server that hosted it (ephemeral
 * consumers have one replica) is gone: it then waits for that server to return, asking for the
 * consumer's info forever. So a consumer is dropped and a new one created, from the next sequence
 * not yet delivered, when its heartbeats are missed twice, when our connection is re-established
 * on another server, or when it ends by itself; creation failures (no stream leader during an
 * election) are retried with backoff until `stop`.
 */
export function followOrdered(nc: NatsConnection, opts: FollowOptions): Follow {
  let stopped = false;
  let next = opts.start === "last_per_subject" ? 0 : opts.start.seq;
  let current: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;
  const js = jetstream(nc);
  // A string, not a one-element list: nats.js then sets `filter_subject` (see `filter` above).
  const filter = opts.filter ? { filter_subjects: opts.filter } : {};
  const config = (): Partial<OrderedConsumerOptions> => {
    if (next === 0) return { ...filter, deliver_policy: DeliverPolicy.LastPerSubject };
    return next > 1
      ? { ...filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next }
      : { ...filter, deliver_policy: DeliverPolicy.All };
  };
  const drop = (why: string) => {
    if (stopped || !current) return;
    opts.log?.warn(`${opts.what}: consumer dropped, following again`, { why, from: next });
    current.stop();
  };
  void (async () => {
    for await (const s of nc.status()) {
      if (stopped) break;
      if (s.type === "reconnect") drop(`reconnected to ${s.server}`);
    }
  })().catch(() => undefined);
  const once = async () => {
    const consumer = await js.consumers.get(opts.stream, config());
    // A pull of 1000 messages must stay under what a client may have pending on the server (64 MiB)
    // or the follower is cut off as a slow consumer: batches are kept small for that (BATCH_LIMITS).
    // (Pulls bounded by bytes instead — nats.js then asks for 100 messages — replayed 300k events
    // in 5.9 s instead of 4.1 s.)
    const messages = await consumer.consume({ max_messages: 1000, ...FOLLOW_PULL });
    current = messages;
    if (stopped) messages.stop();
    void (async () => {
      for await (const s of messages.status()) if (s.type === "heartbeats_missed" && s.count >= 2) drop("heartbeats missed");
    })().catch(() => undefined);
    for await (const m of messages) {
      if (m.seq < next) continue;
      next = m.seq + 1;
      opts.onMsg(m);
    }
  };
  const done = (async () => {
    for (let failures = 0; !stopped;) {
      try {
        await once();
        failures = 0;
      } catch (err) {
        failures++;
        if (!stopped) opts.log?.warn(`${opts.what}: consumer failed, following again`, { from: next, err: errorMessage(err) });
      }
      if (stopped) break;
      await new Promise<void>((r) => { wake = r; setTimeout(r, Math.min(100 * 2 ** failures, 2000)); });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      current?.stop();
      wake?.();
      await done;
    },
  };
}
