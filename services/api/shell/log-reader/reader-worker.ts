import { parentPort, workerData } from "node:worker_threads";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pushRead, type Feed, type RawMsg } from "./push-reader.js";
import { rawFeed } from "./raw-inbox.js";
import { natsTlsFromEnv } from "../../../shared/nats/index.js";
import { META, type ReaderControl, type ReaderJob, type ReaderReport } from "./stream-reader.js";

/*
 * The worker thread of `stream-reader.readInWorker`: reads a range with connections of its own
 * (deliveries on a `raw-inbox.ts` socket, the JetStream API through nats.js; nats.js alone if the
 * socket cannot be had) and hands the messages to the main thread in batches: the payloads copied
 * into one transferred buffer with their subjects, and seq / store time / offsets and lengths per
 * message in a transferred Float64Array (see META). It keeps at most AHEAD batches unacknowledged
 * by holding back its flow-control answers, so a slow main thread slows the server instead of
 * filling memory.
 */

const BATCH_BYTES = 1 << 20;
const BATCH_MSGS = 4096;
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

/** Not zero-filled, and each its own ArrayBuffer (so it can be transferred). */
const newBuf = (size: number) => Buffer.allocUnsafeSlow(size);
let buf = newBuf(BATCH_BYTES);
let meta = new Float64Array(META * BATCH_MSGS);
let n = 0;
let off = 0;
let flushQueued = false;

function flush(): void {
  if (n === 0) return;
  const report: ReaderReport = { kind: "batch", buf: buf.buffer as ArrayBuffer, meta: meta.buffer as ArrayBuffer, n };
  port.postMessage(report, [buf.buffer as ArrayBuffer, meta.buffer as ArrayBuffer]);
  posted++;
  buf = newBuf(BATCH_BYTES);
  meta = new Float64Array(META * BATCH_MSGS);
  n = 0;
  off = 0;
}

function take(m: RawMsg): boolean | void {
  if (stop.signal.aborted) return false;
  const len = m.data.length;
  const room = len + 3 * m.subject.length; // a UTF-8 subject takes at most 3 bytes a character
  if (off + room > buf.length) {
    flush();
    if (room > buf.length) buf = newBuf(room);
  }
  buf.set(m.data, off);
  const subjectLen = buf.write(m.subject, off + len, "utf8");
  const i = META * n;
  meta[i] = m.seq;
  meta[i + 1] = m.timeMs;
  meta[i + 2] = off;
  meta[i + 3] = len;
  meta[i + 4] = subjectLen;
  off += len + subjectLen;
  if (++n === BATCH_MSGS) flush();
  else if (posted === acked && !flushQueued) {
    // Nothing is waiting on the main thread: flush after this read from the socket.
    flushQueued = true;
    setImmediate(() => { flushQueued = false; if (posted === acked) flush(); });
  }
}

async function main(): Promise<void> {
  let nc: NatsConnection | undefined;
  let feed: (Feed & { close(): void }) | undefined;
  try {
    // The thread has the process's environment, hence its bus identity (mutual TLS).
    const tls = natsTlsFromEnv();
    nc = await connect({
      servers: job.server, name: job.name, noAsyncTraces: true, reconnect: false, timeout: 10_000,
      ...(tls ? { tls: { certFile: tls.cert, keyFile: tls.key, caFile: tls.ca } } : {}),
    });
    // Deliveries through a socket of our own (cheaper per message; plaintext only); the JetStream API through nats.js.
    feed = tls ? undefined : await rawFeed(job.server, job.name).catch(() => undefined);
    await pushRead(nc, job.stream, job.from, job.to, take, job.prefix, {
      signal: stop.signal,
      ...(feed ? { feed } : {}),
      gate: (answer) => (posted - acked < AHEAD ? answer() : held.push(answer)),
    });
    if (!stop.signal.aborted) flush();
    port.postMessage({ kind: "end" } satisfies ReaderReport);
  } catch (err) {
    port.postMessage({ kind: "error", message: err instanceof Error ? err.message : String(err) } satisfies ReaderReport);
  } finally {
    feed?.close();
    await nc?.close().catch(() => undefined);
  }
}

void main();
