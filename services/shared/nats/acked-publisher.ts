import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";

/** A JetStream publish acknowledgement. */
export interface PubAck { stream: string; seq: number; duplicate: boolean }

/** Why an acked publish failed; `kind` is what a caller may retry on. */
export class PublishError extends Error {
  constructor(message: string, readonly kind: "timeout" | "no_stream" | "rejected", readonly code?: number) {
    super(message);
    this.name = "PublishError";
  }
  /** The publish's expected last subject sequence did not hold (JetStream error 10071). */
  isWrongLastSequence(): boolean { return this.code === WRONG_LAST_SEQUENCE; }
}

const WRONG_LAST_SEQUENCE = 10071;

interface Waiting { resolve(a: PubAck): void; reject(e: PublishError): void; deadline: number; subject: string }

/**
 * JetStream publishes with acknowledgement, for hot paths that publish thousands of messages (task
 * docs, agent reports): one reply subscription for all of them and one timer sweep, instead of
 * nats.js's per-request inbox mux entry, timer and the Error objects it builds for every request
 * (a stack trace each, measured at several per cent of the dispatcher's CPU). What is stored and
 * acknowledged is the same as `jetstream(nc).publish`; the one expectation supported is the last
 * subject sequence (the event log keeps using the JetStream client, whose errors it classifies).
 */
export class AckedPublisher {
  private readonly prefix: string;
  private readonly waiting = new Map<string, Waiting>();
  private readonly sub: Subscription;
  private readonly sweep: NodeJS.Timeout;
  private next = 0;

  constructor(private readonly nc: NatsConnection, private readonly timeoutMs = 5000) {
    // The connection's own reply prefix: a worker may subscribe only under `_INBOX_<node>`.
    this.prefix = `${createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix)}.`;
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (_err, m) => this.onReply(m) });
    this.sweep = setInterval(() => this.expire(), Math.min(500, timeoutMs));
    this.sweep.unref?.();
  }

  /**
   * Publishes `data` on `subject` and resolves with the stream's ack; `msgId` de-duplicates a retry;
   * `expect.lastSubjectSequence` (0: no message on the subject yet) makes the stream refuse it
   * when someone else wrote the subject since (`PublishError.isWrongLastSequence`).
   */
  publish(subject: string, data: string | Uint8Array, msgId?: string, expect?: { lastSubjectSequence: number }): Promise<PubAck> {
    const token = (this.next++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs, subject });
      try {
        let h;
        if (msgId !== undefined || expect !== undefined) h = headers();
        if (msgId !== undefined) h!.set("Nats-Msg-Id", msgId);
        if (expect !== undefined) h!.set("Nats-Expected-Last-Subject-Sequence", String(expect.lastSubjectSequence));
        this.nc.publish(subject, data, { reply: this.prefix + token, ...(h ? { headers: h } : {}) });
      } catch (err) {
        this.waiting.delete(token);
        reject(new PublishError(`publish to ${subject} failed: ${err instanceof Error ? err.message : String(err)}`, "rejected"));
      }
    });
  }

  /** Pending publishes fail; no more replies are read. */
  close(): void {
    clearInterval(this.sweep);
    this.sub.unsubscribe();
    for (const [token, w] of this.waiting) {
      this.waiting.delete(token);
      w.reject(new PublishError(`publish to ${w.subject} not acknowledged: publisher closed`, "timeout"));
    }
  }

  private onReply(m: Msg): void {
    const token = m.subject.slice(this.prefix.length);
    const w = this.waiting.get(token);
    if (!w) return; // late reply after a timeout
    this.waiting.delete(token);
    // No stream listens on the subject: the server answers at once with status 503.
    if (m.headers?.code === 503) return w.reject(new PublishError(`no stream stores ${w.subject}`, "no_stream", 503));
    let ack: { stream?: string; seq?: number; duplicate?: boolean; error?: { code?: number; err_code?: number; description?: string } };
    try {
      ack = JSON.parse(m.string()) as typeof ack;
    } catch {
      return w.reject(new PublishError(`publish to ${w.subject}: unreadable acknowledgement`, "rejected"));
    }
    if (ack.error) return w.reject(new PublishError(`publish to ${w.subject} refused: ${ack.error.description ?? "error"}`, "rejected", ack.error.err_code));
    w.resolve({ stream: ack.stream ?? "", seq: ack.seq ?? 0, duplicate: ack.duplicate === true });
  }

  private expire(): void {
    const now = Date.now();
    for (const [token, w] of this.waiting) {
      if (w.deadline > now) continue;
      this.waiting.delete(token);
      w.reject(new PublishError(`publish to ${w.subject} not acknowledged within ${this.timeoutMs} ms`, "timeout"));
    }
  }
}
