import type { NatsConnection } from "@nats-io/transport-node";
import { STREAMS, type Envelope } from "../../../schemas/index.js";
import { replayEnvelope, strictEnvelope } from "./replay-envelope.js";
import { membersOf } from "../../shared/model/index.js";
import { chainNext, GENESIS, listCheckpoints, openAuditKv, putCheckpoint, readRange, seqAtTime, streamBounds, waitPast, type Checkpoint } from "./log-reader/index.js";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { invalidArgument, unavailable } from "../../shared/errors/index.js";
import { type Informer } from "../../shared/projection/index.js";
import { auditDiff, type AuditSnapshot } from "../core/audit-diff.js";
import { EVENT_FILTERS, EVENTS_PAGE, eventMatches, eventRow, NameBook, parseBound, parseDurationMs, type EventRow, type Names } from "../core/audit-events.js";
import { EventChecker, type BadEvent } from "../core/audit-verify.js";
import { parseFilters } from "../core/filters.js";
import { listNodes, listServices, listTasks } from "../core/views.js";
import { route, type Request, type Route } from "./http.js";

/*
 * Audit by replay (issue 5): `GET /events`, `GET /audit/state`, `GET /audit/diff`,
 * `POST /audit/verify`, `POST /audit/seal`. Everything is read from the stream itself with bounded
 * consumers (`shared/stream-reader.ts`), never from the live projection (except names of objects the
 * range does not show).
 */

export interface AuditDeps {
  nc?: NatsConnection;
  informer: Informer;
  now: () => Date;
}

export interface VerifyReport {
  ok: boolean;
  stream: string;
  head: number;
  checked: number;
  checkpoints: number;
  hash: string;
  bad?: BadEvent;
}

interface Replay { state: ClusterState; lastMs?: number }

/** `evolve` is lenient, but the replay path skips full schemas for most events: one odd event must not end the fold. */
function foldOne(state: ClusterState, seq: number, event: Envelope): void {
  try {
    evolve(state, { seq, event });
  } catch {
    state.seq = Math.max(state.seq, seq);
  }
}

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** The longest `GET /events?wait=` long poll. */
export const MAX_WAIT_MS = 30_000;

/** `wait=10s` → ms, capped at MAX_WAIT_MS; 0 when absent. */
function waitOf(raw: string | null): number {
  if (!raw) return 0;
  const ms = parseDurationMs(raw);
  if (ms === undefined) throw invalidArgument(`wait: "${raw}" is not a duration like 10s`);
  return Math.min(ms, MAX_WAIT_MS);
}

function liveNames(state: () => ClusterState): Names {
  return {
    serviceName: (id) => state().services.get(id)?.spec.Name,
    serviceOfTask: (id) => state().tasks.get(id)?.serviceId,
    taskName: (id) => {
      const t = state().tasks.get(id);
      return t ? `${t.serviceName}.${t.slot || t.nodeId}` : undefined;
    },
    nodeName: (id) => state().nodes.get(id)?.name,
    nodeOfTask: (id) => state().tasks.get(id)?.nodeId,
  };
}

export function auditRoutes(deps: AuditDeps): Route[] {
  const nc = (): NatsConnection => {
    if (!deps.nc) throw unavailable("audit is not available: this api has no NATS connection");
    return deps.nc;
  };
  const streamOf = (req: Request): string => {
    const s = req.query.get("stream") ?? STREAMS.events;
    if (!STREAM_NAME.test(s)) throw invalidArgument(`stream: "${s}" is not a stream name`);
    return s;
  };
  /** A bound as a sequence: `start` gives the first sequence at or after it, else the last one before it. */
  const seqOf = async (stream: string, raw: string, field: string, start: boolean): Promise<number> => {
    const b = parseBound(raw, deps.now(), field);
    if ("seq" in b) return b.seq;
    const at = await seqAtTime(nc(), stream, b.time);
    return start ? at : at - 1;
  };
  /** Folds `stream` up to `seq` (on from `from`, when given); `time` is when the last folded event was stored. */
  const stateAt = async (stream: string, seq: number, from?: Replay): Promise<Replay> => {
    const r: Replay = from ?? { state: initialClusterState() };
    await readRange(nc(), stream, r.state.seq + 1, seq, (m) => {
      const e = replayEnvelope(m.text ?? m.data);
      if (e) foldOne(r.state, m.seq, e);
      r.lastMs = m.timeMs;
    });
    r.state.seq = Math.max(r.state.seq, seq);
    return r;
  };
  const snapshot = ({ state, lastMs }: Replay): AuditSnapshot => ({
    seq: state.seq, ...(lastMs !== undefined ? { time: new Date(lastMs).toISOString() } : {}),
    services: listServices(state, new Map()), tasks: listTasks(state, new Map()), nodes: listNodes(state, new Map()),
  });
  const clampAt = async (stream: string, raw: string | null, field: string): Promise<number> => {
    const { last } = await streamBounds(nc(), stream);
    if (!raw) throw invalidArgument(`${field}: required (a time, a duration like 10m, or seq:N)`);
    return Math.min(last, Math.max(0, await seqOf(stream, raw, field, false)));
  };

  return [
    route("GET", "/events", async (req) => {
      const stream = streamOf(req);
      const filters = parseFilters(req.query.get("filters"), EVENT_FILTERS);
      const wait = waitOf(req.query.get("wait"));
      let { first, last } = await streamBounds(nc(), stream);
      const since = req.query.get("since");
      const until = req.query.get("until");
      const from = Math.max(first, 1, since ? await seqOf(stream, since, "since", true) : 1);
      // Long poll (`swarm events --follow`): nothing after `since` yet, so wait (bounded) for it.
      if (wait > 0 && !until && from > last && (await waitPast(nc(), stream, from - 1, wait))) {
        ({ first, last } = await streamBounds(nc(), stream));
      }
      const to = Math.min(last, until ? await seqOf(stream, until, "until", false) : last);
      const names = new NameBook(liveNames(() => deps.informer.state));
      const events: EventRow[] = [];
      let scanned = from - 1;
      await readRange(nc(), stream, from, to, (m) => {
        scanned = m.seq;
        const e = strictEnvelope(m.data);
        if (!e) return;
        // A batch lists as its members (one line per task event), all at the batch's sequence.
        for (const me of membersOf(e)) {
          names.learn(me);
          if (eventMatches(me, filters, names)) events.push(eventRow(m.seq, new Date(m.timeMs), me, names));
        }
        return events.length < EVENTS_PAGE;
      });
      return { status: 200, body: { events, head: last, ...(scanned < to ? { next: `seq:${scanned + 1}` } : {}) } };
    }),

    route("GET", "/audit/state", async (req) => {
      const stream = streamOf(req);
      const at = await clampAt(stream, req.query.get("at"), "at");
      return { status: 200, body: snapshot(await stateAt(stream, at)) };
    }),

    route("GET", "/audit/diff", async (req) => {
      const stream = streamOf(req);
      const from = await clampAt(stream, req.query.get("from"), "from");
      const to = await clampAt(stream, req.query.get("to"), "to");
      if (to < from) throw invalidArgument(`to: seq ${to} is before from (seq ${from})`);
      const replay = await stateAt(stream, from);
      const before = snapshot(replay);
      const after = snapshot(await stateAt(stream, to, replay));
      return { status: 200, body: { from, to, changes: auditDiff(before, after) } };
    }),

    route("POST", "/audit/verify", async (req) => {
      const report = await verifyStream(nc(), streamOf(req));
      return { status: 200, body: report };
    }),

    route("POST", "/audit/seal", async (req) => {
      const stream = streamOf(req);
      const report = await verifyStream(nc(), stream);
      if (!report.ok) throw invalidArgument(`not sealed: event seq ${report.bad!.seq} (${report.bad!.subject}): ${report.bad!.reason}`);
      return { status: 200, body: { seq: report.head, hash: report.hash } };
    }),
  ];
}

function checkpointProblem(c: Checkpoint, hash: string, prevGood: number): string | undefined {
  if (c.hash === hash) return undefined;
  const where = c.seq === prevGood + 1 ? "this event was altered" : `an event in seq ${prevGood + 1}..${c.seq} was altered`;
  return `hash chain differs from the checkpoint sealed at seq ${c.seq}: ${where}`;
}

/**
 * Recomputes the chain over the whole stream, checks every event and every checkpoint ≤ head,
 * and records a checkpoint at the head when all is well. The first bad event (by sequence) wins.
 */
export async function verifyStream(nc: NatsConnection, stream: string): Promise<VerifyReport> {
  const kv = await openAuditKv(nc);
  const { first, last } = await streamBounds(nc, stream);
  const checkpoints = await listCheckpoints(kv, stream);
  const bySeq = new Map(checkpoints.map((c) => [c.seq, c]));
  const checker = new EventChecker();
  let hash = GENESIS;
  let expected = 1;
  let prevGood = 0;
  let bad: BadEvent | undefined;
  if (last > 0 && first > 1) bad = { seq: 1, subject: "", reason: `events 1..${first - 1} are missing from the stream` };
  if (!bad) {
    await readRange(nc, stream, 1, last, (m) => {
      if (m.seq !== expected) {
        bad = { seq: expected, subject: "", reason: `event seq ${expected} is missing from the stream` };
        return false;
      }
      expected++;
      hash = chainNext(hash, m.seq, m.subject, m.data);
      const c = bySeq.get(m.seq);
      const problem = (c && checkpointProblem(c, hash, prevGood)) || undefined;
      bad = problem ? { seq: m.seq, subject: m.subject, reason: problem } : checker.check(m.seq, m.subject, m.data);
      if (c && !problem) prevGood = c.seq;
      return bad === undefined;
    });
  }
  const beyond = checkpoints.find((c) => c.seq > last);
  if (!bad && beyond) bad = { seq: beyond.seq, subject: "", reason: `a checkpoint was sealed at seq ${beyond.seq} but the stream ends at ${last}: events were removed` };
  if (!bad && last > 0) await putCheckpoint(kv, stream, { seq: last, hash });
  return { ok: !bad, stream, head: last, checked: expected - 1, checkpoints: checkpoints.length, hash, ...(bad ? { bad } : {}) };
}
