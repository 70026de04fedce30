import { parentPort, workerData } from "node:worker_threads";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pushRead, type RawMsg } from "./push-reader.js";
import { META, type ReaderControl, type ReaderJob, type ReaderReport } from "./stream-reader.js";

/*
 * The worker thread of `stream-reader.readInWorker`: reads a range with its own connection and
 * hands the messages to the main thread in batches: the payloads copied into one transferred
 * buffer, with seq / store time / offset / length per message in a transferred Float64Array and
 * the subjects alongside. It keeps at most AHEAD batches unacknowledged by holding back its
 * flow-control answers, so a slow main thread slows the server instead of filling memory.
 */

const BATCH_BYTES = 1 << 20;
const BATCH_MSGS = 8192;
const AHEAD = 4;

const port = parentPort!;
const job = workerData as ReaderJob;
const stop = new AbortController();
let posted = 0;
let acked = 0;
const held: (() => void)[] = [];

port.on("message", (c: ReaderControl) => {
  if (c === "stop") stop.abort();
  else if (c === "ack") {
    acked++;
    if (posted - acked < AHEAD) for (const answer of held.splice(0)) answer();
    if (posted === acked && n > 0) flush(); // the main thread is idle: hand on what there is
  }
});

let buf = new Uint8Array(BATCH_BYTES);
let meta = new Float64Array(META * BATCH_MSGS);
let subjects: string[] = [];
let n = 0;
let off = 0;
let flushQueued = false;

function flush(): void {
  if (n === 0) return;
  const report: ReaderReport = { kind: "batch", buf: buf.buffer as ArrayBuffer, meta: meta.buffer as ArrayBuffer, n, subjects };
  port.postMessage(report, [buf.buffer as ArrayBuffer, meta.buffer as ArrayBuffer]);
  posted++;
  buf = new Uint8Array(BATCH_BYTES);
  meta = new Float64Array(META * BATCH_MSGS);
  subjects = [];
  n = 0;
  off = 0;
}

function take(m: RawMsg): boolean | void {
  if (stop.signal.aborted) return false;
  const len = m.data.length;
  if (off + len > buf.length) {
    flush();
    if (len > buf.length) buf = new Uint8Array(len);
  }
  buf.set(m.data, off);
  const i = META * n;
  meta[i] = m.seq;
  meta[i + 1] = m.timeMs;
  meta[i + 2] = off;
  meta[i + 3] = len;
  subjects.push(m.subject);
  off += len;
  if (++n === BATCH_MSGS) flush();
  else if (posted === acked && !flushQueued) {
    // Nothing is waiting on the main thread: flush after this read from the socket.
    flushQueued = true;
    setImmediate(() => { flushQueued = false; if (posted === acked) flush(); });
  }
}

async function main(): Promise<void> {
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: job.server, name: job.name, noAsyncTraces: true, reconnect: false, timeout: 10_000 });
    await pushRead(nc, job.stream, job.from, job.to, take, job.prefix, {
      signal: stop.signal,
      gate: (answer) => (posted - acked < AHEAD ? answer() : held.push(answer)),
    });
    if (!stop.signal.aborted) flush();
    port.postMessage({ kind: "end" } satisfies ReaderReport);
  } catch (err) {
    port.postMessage({ kind: "error", message: err instanceof Error ? err.message : String(err) } satisfies ReaderReport);
  } finally {
    await nc?.close().catch(() => undefined);
  }
}

void main();
