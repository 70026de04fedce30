import { DeliverPolicy, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { Envelope, STREAMS, subjects, type StoredEvent } from "../../schemas/index.js";
import { WrongLastSequenceError, unavailable, errorMessage } from "./errors.js";
import type { AppendRequest, AppendResult, EventStore, Subscription } from "./event-store.js";
import type { Logger } from "./logger.js";

/** The event log on the JetStream stream `EVENTS`. */
export class JetStreamEventStore implements EventStore {
  private readonly js: JetStreamClient;
  private jsm?: JetStreamManager;

  constructor(private readonly nc: NatsConnection, private readonly log?: Logger) {
    this.js = jetstream(nc);
  }

  async append(req: AppendRequest): Promise<AppendResult> {
    const body = JSON.stringify(req.event);
    try {
      const ack = await this.js.publish(req.event.subject, body, {
        msgID: req.msgId,
        expect: { lastSubjectSequence: req.expectedLastSubjectSeq },
        timeout: 5000,
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence) {
        throw new WrongLastSequenceError(req.event.subject, req.expectedLastSubjectSeq, { cause: err });
      }
      throw unavailable(`append to ${req.event.subject} failed: ${errorMessage(err)}`, err);
    }
  }

  async headSeq(): Promise<number> {
    this.jsm ??= await jetstreamManager(this.nc);
    const info = await this.jsm.streams.info(STREAMS.events);
    return info.state.last_seq;
  }

  subscribe(fromSeq: number, onEvent: (e: StoredEvent) => void): Subscription {
    let stopped = false;
    let current: { stop(): void } | undefined;
    const run = async () => {
      const consumer = await this.js.consumers.get(STREAMS.events, {
        filter_subjects: [subjects.eventsAll],
        ...(fromSeq > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq } : { deliver_policy: DeliverPolicy.All }),
      });
      const messages = await consumer.consume({ max_messages: 1000 });
      current = messages;
      if (stopped) messages.stop();
      for await (const m of messages) {
        const parsed = Envelope.safeParse(m.json());
        if (!parsed.success) {
          this.log?.warn("unparseable event skipped", { seq: m.seq, subject: m.subject });
          continue;
        }
        onEvent({ seq: m.seq, event: parsed.data });
      }
    };
    const done = run().catch((err) => {
      if (!stopped) this.log?.error("event subscription ended", { err: errorMessage(err) });
    });
    return {
      stop: async () => {
        stopped = true;
        current?.stop();
        await done;
      },
    };
  }
}
