import { Worker } from "node:worker_threads";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { pushRead, type RawMsg } from "./push-reader.js";

export { type RawMsg } from "./push-reader.js";

/*
 * Reading a range of a stream fast, for the audit (replay is its hot path: a million events should
 * take seconds). `push-reader.ts` reads (an ephemeral push consumer through a core subscription,
 * lost deliveries resumed); a long range is read by a worker thread with connections of its own
 * (`reader-worker.ts`), so that receiving and parsing the protocol takes the second core while this
 * thread only runs the callback (decode and fold). Short ranges (a page of `swarm events`) are read
 * here: a worker costs a thread and a connection to start.
 */

/* What `reader-worker.ts` and this thread say to each other. */
export interface ReaderJob { server: string; name: string; stream: string; from: number; to: number; prefix: string }
/** Worker → main. */
export type ReaderReport =
  | { kind: "batch"; buf: ArrayBuffer; meta: ArrayBuffer; n: number }
  | { kind: "end" }
  | { kind: "error"; message: string };
/** Main → worker: a batch handled, or stop early. */
export type ReaderControl = "ack" | "stop";

/** Values per message in `meta`: seq, timeMs, payload offset, payload length, subject length (its bytes follow the payload's). */
export const META = 5;

/** Ranges longer than this are read by a worker thread. */
export const WORKER_MIN = 20_000;

/**
 * Reads `from..to` (inclusive) of `stream` in order; stops at `to`, at the end of the stream, or
 * early when `onMsg` returns false (or throws: the read fails with it). Bounded: it never waits for
 * messages past the stream's end. `prefix` is cut from the subjects (a scratch copy's own subject
 * prefix). `worker` forces (true) or forbids (false) the worker thread.
 */
export async function readRange(
  nc: NatsConnection, stream: string, from: number, to: number, onMsg: (m: RawMsg) => boolean | void, prefix = "",
  opts: { worker?: boolean } = {},
): Promise<void> {
  if (to < from || to < 1) return;
  const server = nc.getServer();
  const worker = opts.worker ?? to - Math.max(1, from) + 1 > WORKER_MIN;
  if (worker && server) {
    try {
      return await readInWorker({ server, name: "stream-reader", stream, from, to, prefix }, onMsg);
    } catch (err) {
      if (!(err instanceof NothingRead)) throw err;
      // The thread failed before it handed on anything (it could not connect, say): read here,
      // which also fails with the connection's own error if there is one.
    }
  }
  return pushRead(nc, stream, from, to, onMsg, prefix);
}

class NothingRead extends Error {}

function readInWorker(job: ReaderJob, onMsg: (m: RawMsg) => boolean | void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // A roomier young generation: the thread allocates a little per message and keeps almost nothing.
    const worker = new Worker(new URL("./reader-worker.js", import.meta.url), { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: 48 } });
    const send = (c: ReaderControl) => worker.postMessage(c);
    let stopped = false;
    let batches = 0;
    let failure: unknown;
    let over = false;
    const finish = (err?: unknown) => {
      if (over) return;
      over = true;
      void worker.terminate();
      if (err !== undefined) reject(err);
      else resolve();
    };
    worker.on("message", (r: ReaderReport) => {
      if (r.kind === "end") return finish(failure);
      if (r.kind === "error") return finish(failure ?? (batches === 0 ? new NothingRead(r.message) : new Error(r.message)));
      batches++;
      if (!stopped) {
        const bytes = Buffer.from(r.buf);
        const meta = new Float64Array(r.meta);
        for (let i = 0, k = 0; i < r.n; i++, k += META) {
          try {
            if (onMsg(new BatchMsg(bytes, meta, k)) === false) stopped = true;
          } catch (err) {
            stopped = true;
            failure = err;
          }
          if (stopped) {
            send("stop");
            break;
          }
        }
      }
      send("ack");
    });
    worker.on("error", (err) => finish(failure ?? (batches === 0 ? new NothingRead(err.message) : err)));
    worker.on("exit", (code) => finish(failure ?? new Error(`the stream reader thread exited (${code}) before the end of the read`)));
  });
}

type Slicer = { utf8Slice?(start: number, end: number): string };
/** `buf.toString("utf8", start, end)`, without its argument checks when Node offers the bare call (twice per message). */
const utf8Slice: (b: Buffer, start: number, end: number) => string = typeof (Buffer.prototype as Slicer).utf8Slice === "function"
  ? (b, start, end) => (b as Slicer).utf8Slice!(start, end)
  : (b, start, end) => b.toString("utf8", start, end);

/**
 * A message of a worker's batch: a plain RawMsg (spreading it keeps every field) whose `text`, the
 * payload decoded straight from the batch, is worked out only when asked for (and not copied by a spread,
 * so `{ ...m, data }` cannot carry a stale one).
 */
class BatchMsg implements RawMsg {
  readonly seq: number;
  readonly timeMs: number;
  readonly subject: string;
  readonly data: Buffer;
  constructor(bytes: Buffer, meta: Float64Array, k: number) {
    this.seq = meta[k]!;
    this.timeMs = meta[k + 1]!;
    const at = meta[k + 2]!;
    const end = at + meta[k + 3]!;
    this.data = bytes.subarray(at, end);
    this.subject = utf8Slice(bytes, end, end + meta[k + 4]!);
  }
  get text(): string { return utf8Slice(this.data, 0, this.data.length); }
}

/**
 * Waits (at most `ms`, at least 1 s) until the stream holds a message after `seq`; true when one
 * arrived. Used by `GET /jetswarm/events?wait=` so that `swarm events --follow` long-polls.
 */
export async function waitPast(nc: NatsConnection, stream: string, seq: number, ms: number): Promise<boolean> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq + 1 });
  try {
    const m = await consumer.next({ expires: Math.max(1000, ms) });
    return m !== null;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}
