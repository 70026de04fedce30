import { connect as tcpConnect, type Socket } from "node:net";
import type { Feed, InboxMsg } from "./push-reader.js";

/*
 * A minimal NATS client for one thing: receiving a push consumer's deliveries fast (the audit's
 * reader thread, `reader-worker.ts`). It speaks the plain-text core protocol on its own socket
 * (CONNECT, SUB, UNSUB, PUB of empty flow-control answers, PING/PONG) and parses MSG/HMSG frames
 * straight from the socket's buffers: no per-message protocol objects or text decoders. Anything it
 * does not handle (TLS, authentication) makes `rawFeed` fail, and the caller reads otherwise.
 */

const NL = 10;
/** Where the spaces of a MSG/HMSG line are (at most 5). */
const spaces = new Int32Array(6);

/** The decimal number in `buf[from, to)` (-1 when there is none). */
function number(buf: Buffer, from: number, to: number): number {
  if (to <= from) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
const CONNECT_TIMEOUT_MS = 10_000;

/** Status headers (`NATS/1.0 100 Idle Heartbeat` and its fields), as `push-reader` reads them. */
function statusOf(block: string): InboxMsg["headers"] {
  const lines = block.split("\r\n");
  const code = Number(/^NATS\/1\.0 (\d+)/.exec(lines[0] ?? "")?.[1] ?? 0);
  const fields = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) fields.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { code, get: (name) => fields.get(name.toLowerCase()) ?? "" };
}

/** Connects to `server` (`host:port`) and resolves once the server answered a PING. */
export async function rawFeed(server: string, name: string): Promise<Feed & { close(): void }> {
  const i = server.lastIndexOf(":");
  const host = server.slice(0, i).replace(/^\[|\]$/g, "");
  const port = Number(server.slice(i + 1));
  const socket: Socket = tcpConnect({ host, port });
  socket.setNoDelay(true);
  /** sid → handler. */
  const subs = new Map<number, (m: InboxMsg) => void>();
  let sids = 0;
  let failed: ((err: unknown) => void) | undefined;
  const pongs: (() => void)[] = [];
  let pending: Buffer | undefined;
  let info: Record<string, unknown> | undefined;
  let onInfo: (() => void) | undefined;
  const fail = (err: unknown) => {
    socket.destroy();
    failed?.(err);
  };

  /** Handles every whole frame in `buf` from 0; returns where the unfinished rest starts. */
  const frames = (buf: Buffer): number => {
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(NL, pos);
      if (nl < 0) return pos;
      const c = buf[pos];
      if (c === 0x4d /* M */ || c === 0x48 /* H */) {
        // MSG <subject> <sid> [reply] <#bytes> | HMSG <subject> <sid> [reply] <#header bytes> <#bytes>
        const end = buf[nl - 1] === 13 ? nl - 1 : nl;
        let k = 0;
        for (let i = pos; i < end && k < 6; i++) if (buf[i] === 32) spaces[k++] = i;
        const hmsg = c === 0x48;
        const total = number(buf, spaces[k - 1]! + 1, end);
        const hdr = hmsg ? number(buf, spaces[k - 2]! + 1, spaces[k - 1]!) : 0;
        const hasReply = k === (hmsg ? 5 : 4);
        const start = nl + 1;
        if (start + total + 2 > buf.length) return pos; // the payload is not all here yet
        const on = subs.get(number(buf, spaces[1]! + 1, spaces[2]!));
        if (on) {
          const reply = hasReply ? buf.toString("latin1", spaces[2]! + 1, spaces[3]!) : "";
          const headers = hmsg && !reply.startsWith("$JS.ACK.") ? statusOf(buf.toString("latin1", start, start + hdr)) : undefined;
          on({ subject: buf.toString("latin1", spaces[0]! + 1, spaces[1]!), reply, data: buf.subarray(start + hdr, start + total), headers });
        }
        pos = start + total + 2;
        continue;
      }
      const line = buf.toString("latin1", pos, nl).trim();
      pos = nl + 1;
      if (line === "PING") socket.write("PONG\r\n");
      else if (line === "PONG") pongs.shift()?.();
      else if (line.startsWith("INFO ")) {
        info = JSON.parse(line.slice(5)) as Record<string, unknown>;
        onInfo?.();
      } else if (line.startsWith("-ERR")) fail(new Error(`nats-server: ${line}`));
    }
  };
  socket.on("data", (chunk: Buffer) => {
    const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
    const rest = frames(buf);
    pending = rest < buf.length ? buf.subarray(rest) : undefined;
  });
  socket.on("error", (err) => fail(err));
  socket.on("close", () => fail(new Error("the connection to nats-server closed")));

  const ping = () => new Promise<void>((resolve) => { pongs.push(resolve); socket.write("PING\r\n"); });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no answer from nats-server at ${server}`)), CONNECT_TIMEOUT_MS);
    failed = (err) => { clearTimeout(timer); reject(err); };
    onInfo = () => {
      onInfo = undefined;
      if (info?.tls_required || info?.auth_required) return fail(new Error("nats-server asks for TLS or authentication"));
      socket.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1, lang: "jetswarm-raw", version: "1", name })}\r\n`);
      void ping().then(() => { clearTimeout(timer); resolve(); });
    };
  });
  return {
    listen: async (subject, on, onError) => {
      const sid = ++sids;
      subs.set(sid, on);
      failed = onError;
      socket.write(`SUB ${subject} ${sid}\r\n`);
      await ping();
      return () => {
        subs.delete(sid);
        if (!socket.destroyed) socket.write(`UNSUB ${sid}\r\n`);
      };
    },
    publish: (subject) => { if (!socket.destroyed) socket.write(`PUB ${subject} 0\r\n\r\n`); },
    close: () => { failed = undefined; socket.destroy(); },
  };
}
