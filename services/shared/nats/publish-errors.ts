import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { ConnectionError, NoRespondersError, RequestError, TimeoutError } from "@nats-io/transport-node";

/**
 * What a failed JetStream publish means for a retry with the same message id and expectation:
 * - `wrong_last_sequence`: the expectation did not hold (someone else wrote, or an earlier attempt
 *   of this very append was stored: see `JetStreamEventStore.append`).
 * - `not_stored`: nobody answered for the stream (no responders, JetStream not reachable): retry.
 * - `ambiguous`: the request may have reached the stream leader before it went away (a timeout,
 *   a leader election, a lost connection): retry; the msg id de-duplicates it.
 * - `fatal`: retrying cannot help (a bad request, the connection closed by ourselves).
 */
export type PublishFailure = "wrong_last_sequence" | "not_stored" | "ambiguous" | "fatal";

export function classifyPublishError(err: unknown): PublishFailure {
  if (err instanceof JetStreamApiError) {
    if (err.code === JetStreamApiCodes.StreamWrongLastSequence) return "wrong_last_sequence";
    // 503: "JetStream system temporarily unavailable", no stream leader yet; 500-ish: cluster hiccups.
    return err.status >= 500 ? "ambiguous" : "fatal";
  }
  // nats.js reports "no responders" to a JetStream publish as JetStreamNotEnabled with the cause.
  if (err instanceof Error && err.cause !== undefined && (err.cause instanceof RequestError || err.cause instanceof NoRespondersError)) {
    return classifyPublishError(err.cause);
  }
  if (err instanceof NoRespondersError) return "not_stored";
  if (err instanceof RequestError) return err.isNoResponders() ? "not_stored" : "ambiguous";
  if (err instanceof TimeoutError || err instanceof ConnectionError) return "ambiguous";
  // ClosedConnectionError, DrainingConnectionError: we are stopping; anything else: a bug.
  return "fatal";
}
