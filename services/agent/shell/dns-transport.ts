import dgram from "node:dgram";
import net from "node:net";

/*
 * DNS over UDP and TCP (RFC 1035 §4.2, RFC 7766): a UDP answer larger than the asker can take is
 * cut to its header and question with TC set, and the asker (Docker's 127.0.0.11 relays the TC
 * bit to the container's resolver, which asks again over TCP) retries over TCP, where each
 * message is prefixed by its 16-bit length and a connection may carry several questions.
 */

export interface Upstream {
  host: string;
  port: number;
}

/** Largest UDP answer without EDNS (RFC 1035 §2.3.4); the server does not speak EDNS. */
export const UDP_MAX = 512;
/** An idle TCP connection is closed after this long, ms (RFC 7766 §6.2.3: seconds, not minutes). */
const TCP_IDLE_MS = 10_000;

/** Serves one TCP connection: every length-prefixed question gets `answer`'s reply, in order. */
export function serveTcpConnection(sock: net.Socket, answer: (msg: Buffer) => Promise<Buffer | undefined>, onError: (err: Error) => void): void {
  let buf = Buffer.alloc(0);
  let chain = Promise.resolve();
  sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
  sock.on("error", onError);
  sock.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
      buf = buf.subarray(2 + msg.length);
      // Answers go back in the order asked (one at a time; a VIP answer may be held).
      chain = chain.then(async () => {
        const reply = await answer(Buffer.from(msg));
        if (reply && !sock.destroyed) sock.write(frame(reply));
      }).catch((err: Error) => onError(err));
    }
  });
}

function frame(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** One UDP question to an upstream; resolves with its raw answer (same id: relayed as is). */
export function exchangeUdp(msg: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket("udp4");
    const done = (err?: Error, data?: Buffer) => { clearTimeout(timer); sock.close(); if (data) resolve(data); else reject(err ?? new Error("no answer")); };
    const timer = setTimeout(() => done(new Error(`no answer from ${up.host}:${up.port} in ${timeoutMs} ms`)), timeoutMs);
    sock.on("error", (err) => done(err));
    sock.on("message", (data) => done(undefined, data));
    sock.send(msg, up.port, up.host);
  });
}

/** One TCP question to an upstream (for a question that came over TCP: its answer may be large). */
export function exchangeTcp(msg: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    const done = (err?: Error, data?: Buffer) => { clearTimeout(timer); sock.destroy(); if (data) resolve(data); else reject(err ?? new Error("no answer")); };
    const timer = setTimeout(() => done(new Error(`no answer from ${up.host}:${up.port} (tcp) in ${timeoutMs} ms`)), timeoutMs);
    sock.on("connect", () => sock.write(frame(msg)));
    sock.on("error", (err) => done(err));
    sock.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on("end", () => done(new Error(`${up.host}:${up.port} closed the connection without an answer`)));
  });
}
