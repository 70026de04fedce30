import type { Server } from "node:net";
import type { Socket } from "node:net";

/*
 * Plain HTTP sent to the HTTPS port gets Go's answer, as Docker's TLS daemon gives it (net/http:
 * a first TLS record that reads as an HTTP method) — `HTTP/1.0 400` and "Client sent an HTTP
 * request to an HTTPS server." — which the docker CLI prints as the daemon's error, instead of a
 * connection dropped without a word. Anything else goes to the TLS handshake unchanged.
 */

export const PLAIN_ON_TLS = "Client sent an HTTP request to an HTTPS server.\n";
const METHOD = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE) /;

/** The first bytes of a connection read as a plain HTTP request line. */
export function looksLikeHttp(first: Buffer): boolean {
  return METHOD.test(first.subarray(0, 8).toString("latin1"));
}

/**
 * Puts a peek of each connection's first bytes before the TLS server's own connection handling.
 * `idleMs`: a connection that sends nothing is closed after this long (the handshake's own timer
 * starts only once the bytes are handed on).
 */
export function answerPlainHttpOnTls(server: Server, idleMs: number): void {
  const tlsHandlers = server.listeners("connection") as ((socket: Socket) => void)[];
  server.removeAllListeners("connection");
  server.on("connection", (socket: Socket) => {
    socket.setTimeout(idleMs, () => socket.destroy());
    socket.once("error", () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      if (looksLikeHttp(first)) {
        socket.end(`HTTP/1.0 400 Bad Request\r\n\r\n${PLAIN_ON_TLS}`);
        return;
      }
      // Node's TLS socket reads what is buffered on the socket it wraps first.
      socket.unshift(first);
      for (const h of tlsHandlers) h.call(server, socket);
    });
  });
}
