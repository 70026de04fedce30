import type { NatsConnection } from "@nats-io/transport-node";
import { STREAMS, type Envelope } from "../../../schemas/index.js";
import { replayEnvelope, strictEnvelope } from "../shell/replay-envelope.js";
import { membersOf } from "../../shared/model/index.js";
import { chainNext, GENESIS, listCheckpoints, openAuditKv, putCheckpoint, readRange, seqAtTime, streamBounds, waitPast, type Checkpoint } from "../shell/log-reader/index.js";
import { evolve, initialClusterState, type ClusterState } from "../../shared/model/index.js";
import { invalidArgument, unavailable } from "../../shared/errors/index.js";
import { auditDiff, type AuditSnapshot } from "../core/audit-diff.js";
import { EVENTS_PAGE, eventMatches, eventRow, NameBook, parseBound, parseDurationMs, type EventRow, type Names } from "../core/audit-events.js";
import { EventChecker, type BadEvent } from "../core/audit-verify.js";
import { type Filters } from "../core/filters.js";
import { listNodes, listServices, listTasks } from "../core/views.js";
import { type AppDeps } from "./context.js";

/*
 * Audit by replay (issue 5) — queries: the log's page of events, the state at a point, the diff
 * between two, verify, seal. Everything is read from the stream itself with bounded consumers
 * (`shell/log-reader`), never from the live projection (except names of objects the range does
 * not show). `stream` names another stream than `EVENTS` (a scratch copy); bounds are `seq:N`, an
 * RFC 3339 time or a duration before now.
 */

export type AuditDeps = Pick<AppDeps, "nc" | "informer" | "now">;

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
/** The longest `GET /jetswarm/events?wait=` long poll. */
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

/** The reads one audit query needs, bound to `deps`. */
function auditReader(deps: AuditDeps) {
  const nc = (): NatsConnection => {
    if (!deps.nc) throw unavailable("audit is not available: this api has no NATS connection");
    return deps.nc;
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
  const clampAt = async (stream: string, raw: string | undefined, field: string): Promise<number> => {
    const { last } = await streamBounds(nc(), stream);
    if (!raw) throw invalidArgument(`${field}: required (a time, a duration like 10m, or seq:N)`);
    return Math.min(last, Math.max(0, await seqOf(stream, raw, field, false)));
  };
  return { nc, seqOf, stateAt, clampAt };
}

function snapshot({ state, lastMs }: Replay): AuditSnapshot {
  return {
    seq: state.seq, ...(lastMs !== undefined ? { time: new Date(lastMs).toISOString() } : {}),
    services: listServices(state, new Map()), tasks: listTasks(state, new Map()), nodes: listNodes(state, new Map()),
  };
}

/** `stream`: `EVENTS` when absent; otherwise a plain stream name. */
function streamOf(raw: string | undefined): string {
  const s = raw ?? STREAMS.events;
  if (!STREAM_NAME.test(s)) throw invalidArgument(`stream: "${s}" is not a stream name`);
  return s;
}

export interface EventsQuery { stream?: string; filters: Filters; since?: string; until?: string; wait?: string }
export interface EventsPage { events: EventRow[]; head: number; next?: string }

/** One page of the log (at most EVENTS_PAGE rows); `wait` long-polls when nothing is past `since` yet. */
export async function eventsPage(deps: AuditDeps, q: EventsQuery): Promise<EventsPage> {
  const r = auditReader(deps);
  const stream = streamOf(q.stream);
  const wait = waitOf(q.wait ?? null);
  let { first, last } = await streamBounds(r.nc(), stream);
  const from = Math.max(first, 1, q.since ? await r.seqOf(stream, q.since, "since", true) : 1);
  // Long poll (`swarm events --follow`): nothing after `since` yet, so wait (bounded) for it.
  if (wait > 0 && !q.until && from > last && (await waitPast(r.nc(), stream, from - 1, wait))) {
    ({ first, last } = await streamBounds(r.nc(), stream));
  }
  const to = Math.min(last, q.until ? await r.seqOf(stream, q.until, "until", false) : last);
  const names = new NameBook(liveNames(() => deps.informer.state));
  const events: EventRow[] = [];
  let scanned = from - 1;
  await readRange(r.nc(), stream, from, to, (m) => {
    scanned = m.seq;
    const e = strictEnvelope(m.data);
    if (!e) return;
    // A batch lists as its members (one line per task event), all at the batch's sequence.
    for (const me of membersOf(e)) {
      names.learn(me);
      if (eventMatches(me, q.filters, names)) events.push(eventRow(m.seq, new Date(m.timeMs), me, names));
    }
    return events.length < EVENTS_PAGE;
  });
  return { events, head: last, ...(scanned < to ? { next: `seq:${scanned + 1}` } : {}) };
}

/** The cluster as the log says it was at `at`: the shapes of the live lists. */
export async function auditState(deps: AuditDeps, q: { stream?: string; at?: string }): Promise<AuditSnapshot> {
  const r = auditReader(deps);
  const stream = streamOf(q.stream);
  const at = await r.clampAt(stream, q.at, "at");
  return snapshot(await r.stateAt(stream, at));
}

export async function auditDiffOf(deps: AuditDeps, q: { stream?: string; from?: string; to?: string }) {
  const r = auditReader(deps);
  const stream = streamOf(q.stream);
  const from = await r.clampAt(stream, q.from, "from");
  const to = await r.clampAt(stream, q.to, "to");
  if (to < from) throw invalidArgument(`to: seq ${to} is before from (seq ${from})`);
  const replay = await r.stateAt(stream, from);
  const before = snapshot(replay);
  const after = snapshot(await r.stateAt(stream, to, replay));
  return { from, to, changes: auditDiff(before, after) };
}

export async function verifyLog(deps: AuditDeps, q: { stream?: string }): Promise<VerifyReport> {
  return verifyStream(auditReader(deps).nc(), streamOf(q.stream));
}

/** Verify, then the checkpoint recorded at the head; refused naming the first bad event. */
export async function sealLog(deps: AuditDeps, q: { stream?: string }): Promise<{ seq: number; hash: string }> {
  const report = await verifyLog(deps, q);
  if (!report.ok) throw invalidArgument(`not sealed: event seq ${report.bad!.seq} (${report.bad!.subject}): ${report.bad!.reason}`);
  return { seq: report.head, hash: report.hash };
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
