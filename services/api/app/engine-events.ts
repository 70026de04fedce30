import { STREAMS } from "../../../schemas/index.js";
import { membersOf } from "../../shared/model/index.js";
import { unavailable } from "../../shared/errors/index.js";
import { strictEnvelope } from "../shell/replay-envelope.js";
import { readRange, seqAtTime, streamBounds, waitPast } from "../shell/log-reader/index.js";
import { EngineNames, engineEvent, engineEventMatches, type EngineEvent, type EngineEventType } from "../core/engine-events.js";
import { type Filters } from "../core/filters.js";
import { type AppDeps } from "./context.js";

/*
 * Docker's `GET /events` over the log: the events from `since` (or from now) to `until` (or for
 * as long as the client listens), read from the stream itself with bounded reads, each mapped to
 * Docker's message and filtered. Following waits on the stream (at most 5 s a wait, so a client
 * that went away is noticed).
 */

export interface EngineEventsQuery { sinceMs?: number; untilMs?: number; filters: Filters }

/** Most events read per pass before they are written (the reader pauses while the client catches up). */
const PASS = 1_000;
const WAIT_MS = 5_000;

function liveNames(deps: AppDeps): (type: EngineEventType, id: string) => string | undefined {
  return (type, id) => {
    const s = deps.informer.state;
    switch (type) {
      case "service": return s.services.get(id)?.spec.Name;
      case "node": return s.nodes.get(id)?.name;
      case "secret": return s.secrets.get(id)?.name;
      case "config": return s.configs.get(id)?.name;
      case "network": return s.networks.get(id)?.spec.Name;
    }
  };
}

/**
 * The first sequence the reply covers, read before the reply's headers are sent: a client that has
 * its 200 may act at once, and what it does then must be in the stream (without `since`, "now" is
 * the log's head at the request, not when the body starts).
 */
export async function engineEventsStart(deps: AppDeps, q: EngineEventsQuery): Promise<number> {
  if (!deps.nc) throw unavailable("events are not available: this api has no NATS connection");
  if (q.sinceMs !== undefined) return seqAtTime(deps.nc, STREAMS.events, new Date(q.sinceMs));
  return (await streamBounds(deps.nc, STREAMS.events)).last + 1;
}

/** Streams from `from` (engineEventsStart's answer). */
export async function streamEngineEvents(
  deps: AppDeps, q: EngineEventsQuery, from: number, write: (ev: EngineEvent) => Promise<void>, signal: AbortSignal,
): Promise<void> {
  if (!deps.nc) throw unavailable("events are not available: this api has no NATS connection");
  const nc = deps.nc;
  const stream = STREAMS.events;
  let last: number;
  let next = from;
  const names = new EngineNames(liveNames(deps));
  while (!signal.aborted) {
    ({ last } = await streamBounds(nc, stream));
    if (next <= last) {
      const batch: EngineEvent[] = [];
      let ended = false;
      await readRange(nc, stream, next, last, (m) => {
        if (q.untilMs !== undefined && m.timeMs > q.untilMs) {
          ended = true;
          return false;
        }
        next = m.seq + 1;
        const e = strictEnvelope(m.data);
        for (const member of e ? membersOf(e) : []) {
          const ev = engineEvent(member, m.timeMs, names);
          if (ev && engineEventMatches(ev, q.filters)) batch.push(ev);
        }
        return batch.length < PASS;
      });
      for (const ev of batch) await write(ev);
      if (ended) return;
      continue;
    }
    const now = deps.now().getTime();
    if (q.untilMs !== undefined && now >= q.untilMs) return;
    await waitPast(nc, stream, last, q.untilMs === undefined ? WAIT_MS : Math.min(WAIT_MS, q.untilMs - now));
  }
}
