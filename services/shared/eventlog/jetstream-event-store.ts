import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeEvent, STREAMS, subjects, type StoredEvent } from "../../../schemas/index.js";
import { WrongLastSequenceError, unavailable, errorMessage } from "../errors/index.js";
import { classifyPublishError } from "../nats/index.js";
import type { AppendRequest, AppendResult, EventStore, Subscription, UnreadableEvent } from "../model/index.js";
import type { Logger } from "../telemetry/index.js";
import { followOrdered } from "./ordered-follow.js";
import { Fifo } from "./fifo.js";

export interface EventStoreRetry {
  /** How long one append keeps retrying while NATS elects a leader. Default 20 000 ms. */
  retryForMs?: number;
  /** Timeout of one publish attempt. Default 5000 ms. */
  attemptTimeoutMs?: number;
}

/** An R3 stream elects a new leader within a few seconds of losing one; 20 s leaves a margin. */
export const APPEND_RETRY_DEFAULTS = { retryForMs: 20_000, attemptTimeoutMs: 5000 } as const;

/**
 * Most appends one process has waiting for an ack. Many reconcile passes at once (a hundred
 * services × 256) would otherwise queue tens of thousands of publishes in nats-server, and the
 * last ones time out (5 s) although nothing is wrong; beyond this they wait here, unclocked.
 */
const MAX_IN_FLIGHT = 1024;

/** The event log on the JetStream stream `EVENTS`. */
export class JetStreamEventStore implements EventStore {
  private readonly js: JetStreamClient;
  private jsm?: JetStreamManager;

  private readonly opts: Required<EventStoreRetry>;

  constructor(private readonly nc: NatsConnection, private readonly log?: Logger, retry: EventStoreRetry = {}) {
    this.js = jetstream(nc);
    this.opts = { ...APPEND_RETRY_DEFAULTS, ...retry };
  }

  /** Appends awaiting their ack, and appends queued behind them (see MAX_IN_FLIGHT). */
  private inFlight = 0;
  private readonly queued = new Fifo<() => void>();

  /**
   * Appends with the request's expectation and msg id. While the stream has no leader (a NATS
   * server died, an election is running) the same publish is retried, same msg id and same
   * expectation, for up to `retryForMs`. On "wrong last sequence" the subject's last message is
   * read back: if it carries our msg id, an earlier attempt (this process's, or one before a crash)
   * was stored and this append is a duplicate. A clustered (R3) stream checks the expectation
   * before its dedup window, unlike a single server, so without this read-back a retried append
   * would look like a conflict there.
   */
  async append(req: AppendRequest): Promise<AppendResult> {
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.queued.push(r));
    this.inFlight++;
    try {
      return await this.publish(req);
    } finally {
      this.inFlight--;
      this.queued.take()?.();
    }
  }

  private async publish(req: AppendRequest): Promise<AppendResult> {
    const body = JSON.stringify(req.event);
    const deadline = Date.now() + this.opts.retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = await this.js.publish(req.event.subject, body, {
          msgID: req.msgId,
          expect: { lastSubjectSequence: req.expectedLastSubjectSeq },
          timeout: this.opts.attemptTimeoutMs,
        });
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        const kind = classifyPublishError(err);
        if (kind === "wrong_last_sequence") {
          const mine = await this.storedSeq(req);
          if (mine !== undefined) return { seq: mine, duplicate: true };
          throw new WrongLastSequenceError(req.event.subject, req.expectedLastSubjectSeq, { cause: err });
        }
        if (kind === "fatal" || Date.now() >= deadline) {
          throw unavailable(`append to ${req.event.subject} failed: ${errorMessage(err)}`, err);
        }
        this.log?.warn("append not acknowledged; retrying with the same msg id", { subject: req.event.subject, attempt, err: errorMessage(err) });
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1000)));
      }
    }
  }

  /** The sequence of the subject's last message when it is this append's (same msg id). */
  private async storedSeq(req: AppendRequest): Promise<number | undefined> {
    try {
      this.jsm ??= await jetstreamManager(this.nc);
      const m = await this.jsm.streams.getMessage(STREAMS.events, { last_by_subj: req.event.subject });
      return m && m.header?.get("Nats-Msg-Id") === req.msgId ? m.seq : undefined;
    } catch (err) {
      this.log?.warn("could not read back the subject after a wrong last sequence", { subject: req.event.subject, err: errorMessage(err) });
      return undefined;
    }
  }

  async headSeq(): Promise<number> {
    this.jsm ??= await jetstreamManager(this.nc);
    const info = await this.jsm.streams.info(STREAMS.events);
    return info.state.last_seq;
  }

  /**
   * Follows EVENTS with an ordered consumer that outlives a NATS server's death (`followOrdered`).
   * An event that does not decode stops the delivery (the contract: never skipped).
   */
  subscribe(fromSeq: number, onEvent: (e: StoredEvent) => void, onUnreadable?: (u: UnreadableEvent) => void): Subscription {
    let halted = false;
    // No subject filter: EVENTS holds only `swarm.evt.>`. (A `filter_subjects` list, as this once
    // had, replayed ~100× slower on nats-server 2.10: see FollowOptions.filter.)
    const follow = followOrdered(this.nc, {
      stream: STREAMS.events, start: { seq: fromSeq }, log: this.log, what: "event subscription",
      onMsg: (m) => {
        if (halted) return;
        let body: unknown;
        try { body = m.json(); } catch { body = undefined; }
        const d = decodeEvent(body);
        if (d.ok) return onEvent({ seq: m.seq, event: d.event });
        halted = true;
        const u: UnreadableEvent = { seq: m.seq, subject: m.subject, ...(d.type ? { type: d.type } : {}), why: body === undefined ? "payload is not JSON" : d.why };
        void follow.stop();
        if (onUnreadable) onUnreadable(u);
        else this.log?.error("event subscription stopped at an event this build cannot read", { ...u });
      },
    });
    return follow;
  }
}
