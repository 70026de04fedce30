import { createHash } from "node:crypto";
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { subjects } from "../../../../schemas/index.js";
import { notFound } from "../../../shared/errors/index.js";
import { ensureBucket } from "../../../shared/nats/index.js";
import { readRange as readStream, type RawMsg } from "./stream-reader.js";

export { waitPast, type RawMsg } from "./stream-reader.js";

/*
 * The audit hash chain over a stream (issue 5, "audit by replay"):
 *   h_0 = GENESIS, h_n = sha256(h_{n-1} ‖ "\n" seq "\n" subject "\n" ‖ payload bytes).
 * Checkpoints {seq, hash} live in KV `swarm-audit` under `<stream>.<seq>`; a later recomputation
 * that disagrees with a checkpoint shows an event at or before that sequence was altered.
 * Every function takes the stream's name so that an altered copy can be checked in a scratch stream;
 * the chain is over the subjects without the scratch stream's prefix, so a faithful copy has the
 * same chain as its original.
 */

export const AUDIT_BUCKET = "swarm-audit";
export const GENESIS = "0".repeat(64);

const enc = new TextEncoder();

/** One step of the chain: pure over the given bytes. */
export function chainNext(prev: string, seq: number, subject: string, payload: Uint8Array): string {
  return createHash("sha256").update(prev).update(enc.encode(`\n${seq}\n${subject}\n`)).update(payload).digest("hex");
}

/** The chain's value after the given messages, in order. */
export function chainOf(msgs: { seq: number; subject: string; data: Uint8Array }[], start = GENESIS): string {
  return msgs.reduce((h, m) => chainNext(h, m.seq, m.subject, m.data), start);
}


/**
 * First and last sequence of a stream (last = 0 when empty), and the prefix its subjects carry
 * before `swarm.evt.` (empty for EVENTS): a scratch copy with subjects of its own
 * (`scratch.swarm.evt.>`) reads as the same log.
 */
export async function streamBounds(nc: NatsConnection, stream: string): Promise<{ first: number; last: number; prefix: string }> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream).catch((err: unknown) => {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) throw notFound(`stream ${stream} not found`);
    throw err;
  });
  return { first: info.state.first_seq, last: info.state.last_seq, prefix: subjectPrefix(info.config.subjects ?? []) };
}

/** `["scratch.swarm.evt.>"]` → `scratch.`; `""` when the stream holds `swarm.evt.>` itself or something else. */
export function subjectPrefix(streamSubjects: string[]): string {
  const tail = subjects.eventsAll;
  const s = streamSubjects.length === 1 ? streamSubjects[0]! : "";
  return s.endsWith(`.${tail}`) ? s.slice(0, -tail.length) : "";
}

/** The stored time of message `seq`, or undefined when it is missing (deleted from the stream). */
async function timeOf(jsm: JetStreamManager, stream: string, seq: number): Promise<number | undefined> {
  try {
    const m = await jsm.streams.getMessage(stream, { seq });
    return m ? m.time.getTime() : undefined;
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.NoMessageFound) return undefined;
    throw err;
  }
}

/**
 * The first sequence stored at or after `time` (last + 1 when none), by binary search over store
 * times. A missing sequence (a gap) is skipped forward, so a stream with deleted messages works.
 */
export async function seqAtTime(nc: NatsConnection, stream: string, time: Date): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const { first, last } = await streamBounds(nc, stream);
  const t = time.getTime();
  let lo = Math.max(1, first);
  let hi = last + 1;
  while (lo < hi) {
    let mid = Math.floor((lo + hi) / 2);
    let at = await timeOf(jsm, stream, mid);
    while (at === undefined && mid + 1 < hi) at = await timeOf(jsm, stream, ++mid);
    if (at === undefined) hi = Math.floor((lo + hi) / 2);
    else if (at < t) lo = mid + 1;
    else hi = mid;
  }
  // `lo` may start a run of missing sequences: the answer is the first present one after it.
  while (lo <= last && (await timeOf(jsm, stream, lo)) === undefined) lo++;
  return lo;
}

/**
 * Reads `from..to` of a stream in order (see `stream-reader.ts`), subjects without the stream's
 * scratch prefix: what the chain, the checker and the fold see.
 */
export async function readRange(
  nc: NatsConnection, stream: string, from: number, to: number, onMsg: (m: RawMsg) => boolean | void,
): Promise<void> {
  if (to < from || to < 1) return;
  const { prefix } = await streamBounds(nc, stream);
  await readStream(nc, stream, from, to, onMsg, prefix);
}

export interface Checkpoint { seq: number; hash: string }

/** The checkpoint bucket, created on first use (no TTL: checkpoints are kept). */
export function openAuditKv(nc: NatsConnection): Promise<KV> {
  return ensureBucket(nc, AUDIT_BUCKET, { ttlMs: 0 });
}

export async function putCheckpoint(kv: KV, stream: string, c: Checkpoint): Promise<void> {
  await kv.put(`${stream}.${c.seq}`, JSON.stringify(c));
}

/** Every checkpoint of a stream, by sequence. Unparseable entries are skipped (never trusted). */
export async function listCheckpoints(kv: KV, stream: string): Promise<Checkpoint[]> {
  const out: Checkpoint[] = [];
  const keys = await kv.keys(`${stream}.>`);
  for await (const k of keys) {
    const e = await kv.get(k);
    if (!e || e.operation !== "PUT") continue;
    try {
      const c = JSON.parse(e.string()) as Checkpoint;
      if (Number.isInteger(c.seq) && typeof c.hash === "string") out.push({ seq: c.seq, hash: c.hash });
    } catch { /* skipped */ }
  }
  return out.sort((a, b) => a.seq - b.seq);
}
