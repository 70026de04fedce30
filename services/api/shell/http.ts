import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createServer as createHttpsServer } from "node:https";
import { errorMessage, invalidArgument, notFound, SwarmError } from "../../shared/errors/index.js";
import { type Logger } from "../../shared/telemetry/index.js";
import { apiVersionProblem } from "../core/engine-version.js";
import { answerPlainHttpOnTls } from "./plain-on-tls.js";
import { contentTypeProblem, hostProblem, originProblem, type GuardConfig, type Listening } from "./request-guard.js";

/*
 * A minimal router over node:http: JSON in, JSON out, `{message}` on every error. It also holds
 * the api's HTTP hardening: who may call (Host, Origin), what a body may be (JSON, bounded), and
 * how long a client may take (slow headers and bodies are cut off).
 */

export interface Request {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (`{}` when empty). */
  body: unknown;
  /** The client's address (the socket's peer): who the request acts as when it has no identity (`core/actor.ts`). */
  remoteAddress?: string;
  /** Who the listener authenticated: `local` (unix socket), `token:<name>`, `cert:<CN>`; none on plain loopback HTTP. */
  identity?: string;
  /** The request's headers (node's, lower-case names). */
  headers?: Record<string, string | string[] | undefined>;
}
/**
 * `text`: an already serialised body (a cached list), sent instead of `body` (JSON unless
 * `contentType` says otherwise); `stream`: a body written as it comes; `headers`: extra headers
 * (Docker's `/_ping` negotiation headers).
 */
export interface Reply { status: number; body?: unknown; text?: Buffer; contentType?: string; headers?: Record<string, string>; stream?: StreamBody }
/**
 * A streamed body (logs): `run` writes chunks, each `write` resolving when the client can take
 * more (a slow reader slows the writer down instead of filling memory); `signal` aborts when
 * the client goes away. The headers are sent before `run` starts.
 */
export interface StreamBody { contentType: string; run(write: (chunk: Buffer) => Promise<void>, signal: AbortSignal): Promise<void> }
export type Handler = (req: Request) => Promise<Reply>;
/** `open`: served without a credential (a node's join carries its own: the join token). */
export interface Route { method: string; pattern: RegExp; handler: Handler; open?: boolean }

/** `/services/:id/update` → a RegExp with named groups. */
export function route(method: string, path: string, handler: Handler, opts: { open?: boolean } = {}): Route {
  const source = path.replace(/:([a-zA-Z]+)/g, "(?<$1>[^/]+)");
  return { method, pattern: new RegExp(`^${source}/?$`), handler, ...(opts.open ? { open: true } : {}) };
}

/**
 * Who is calling, as the listener knows it (shell/auth.ts): an identity, or undefined on a plain
 * development listener for a caller without a credential. Throws HttpError 401 to refuse.
 */
export type Authenticate = (req: IncomingMessage) => string | undefined;

/** A listener's own part: how it authenticates, and its TLS material (PEM) for HTTPS. */
export interface ListenerOptions {
  /** Default: nobody is identified (every caller acts by its address). */
  authenticate?: Authenticate;
  /** HTTPS with this certificate; client certificates are asked for and checked against `ca`. */
  tls?: { cert: string; key: string; ca: string };
}

/** A refusal at the HTTP level, with its own status (not one of the domain's errors). */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly close = false) {
    super(message);
    this.name = "HttpError";
  }
}

export interface HttpOptions extends Partial<GuardConfig> {
  /** Largest request body, bytes (413 beyond). Default 4 MiB. */
  maxBodyBytes?: number;
  /** Time to receive a whole body once the headers are in, ms (408 beyond). Default 5000. */
  bodyTimeoutMs?: number;
  /** Time to receive the request headers, ms. Default 5000. */
  headersTimeoutMs?: number;
  /** Idle time of a kept-alive connection between requests, ms. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** Requests served on one connection before it is closed. Default 1000. */
  maxRequestsPerSocket?: number;
  /** Open connections at once. Default 4096. */
  maxConnections?: number;
  /** Largest header block, bytes (431 beyond). Default 16 KiB. */
  maxHeaderBytes?: number;
}

const DEFAULTS = {
  maxBodyBytes: 4 * 1024 * 1024, bodyTimeoutMs: 5_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 1_000, maxConnections: 4_096, maxHeaderBytes: 16 * 1024,
} as const;

async function readBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(408, `request body not received within ${timeoutMs} ms`, true)), timeoutMs);
  });
  const reading = collect(req, maxBytes);
  reading.catch(() => undefined); // after a timeout nobody awaits it: the socket is closed under it
  let text: string;
  try {
    text = await Promise.race([reading, late]);
  } finally {
    clearTimeout(timer);
  }
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`invalid JSON body: ${errorMessage(err)}`);
  }
}

async function collect(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > maxBytes) throw new HttpError(413, `request body larger than ${maxBytes} bytes`, true);
      chunks.push(c as Buffer);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, `request body could not be read: ${errorMessage(err)}`, true);
  }
  return Buffer.concat(chunks).toString("utf8").trim();
}

function send(res: ServerResponse, status: number, body: unknown, text?: Buffer, close = false, extra: Pick<Reply, "contentType" | "headers"> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const out = text ?? Buffer.from(body === undefined ? "" : JSON.stringify(body));
  const headers: Record<string, string | number> = {
    ...extra.headers, "content-type": extra.contentType ?? "application/json", "content-length": out.length,
  };
  if (close) {
    // The rest of the body is not wanted: answer, then close (a dripping client cannot hold it open).
    headers.connection = "close";
    const socket = res.socket;
    res.once("finish", () => {
      socket?.end();
      setTimeout(() => socket?.destroy(), 1_000).unref();
    });
  }
  res.writeHead(status, headers);
  res.end(out);
}

function sendStream(res: ServerResponse, status: number, body: StreamBody, log: Logger, headers: Record<string, string> = {}): void {
  const closed = new AbortController();
  res.once("close", () => closed.abort());
  res.writeHead(status, { ...headers, "content-type": body.contentType });
  res.flushHeaders();
  const write = (chunk: Buffer): Promise<void> => {
    if (closed.signal.aborted || res.write(chunk)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { res.off("drain", done); res.off("close", done); resolve(); };
      res.once("drain", done);
      res.once("close", done);
    });
  };
  body.run(write, closed.signal)
    .catch((err: unknown) => log.warn("streamed reply failed", { err: errorMessage(err) }))
    .finally(() => res.end());
}

/** Path and query of the request line, as sent: no dot-segment resolution (`/a/../b` is not `/b`). */
function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const raw = target.startsWith("/") ? target : (() => { try { return new URL(target).pathname; } catch { return "/"; } })();
  const q = raw.indexOf("?");
  const path = (q < 0 ? raw : raw.slice(0, q)).split("#")[0]!;
  return { path, query: new URLSearchParams(q < 0 ? "" : raw.slice(q + 1)) };
}

function decodeParams(groups: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(groups)) {
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      throw invalidArgument(`${k}: malformed percent-encoding in "${v.slice(0, 100)}"`);
    }
  }
  return out;
}

const hasBody = (req: IncomingMessage) =>
  req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;

/** Host, Origin and Content-Type checks: a refusal, or undefined to go on. */
function guard(listening: Listening, req: IncomingMessage, cfg: GuardConfig): HttpError | undefined {
  const host = hostProblem(req.headers.host, listening, cfg);
  if (host) return new HttpError(421, host);
  const write = req.method !== "GET" && req.method !== "HEAD";
  const origin = write ? originProblem(req.headers.origin, req.headers.host, cfg) : undefined;
  if (origin) return new HttpError(403, origin);
  const type = write ? contentTypeProblem(req.headers["content-type"], hasBody(req)) : undefined;
  return type ? new HttpError(415, type) : undefined;
}

async function dispatch(routes: Route[], req: IncomingMessage, o: typeof DEFAULTS, auth: Authenticate): Promise<Reply> {
  const target = splitTarget(req.url ?? "/");
  // Docker clients prefix a version (`/v1.41/services`): one in the supported range is accepted
  // (jetswarm answers every version alike), one outside is refused in Docker's words.
  const prefix = /^\/v(\d+(?:\.\d+)?)(?=\/)/.exec(target.path);
  const unsupported = prefix ? apiVersionProblem(prefix[1]!) : undefined;
  if (unsupported) throw invalidArgument(unsupported);
  const path = prefix ? target.path.slice(prefix[0].length) : target.path;
  let allowed = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    allowed = true;
    if (r.method !== req.method) continue;
    // Before the body is read: an unauthenticated client cannot make the api buffer anything.
    const identity = r.open ? undefined : auth(req);
    const params = decodeParams(m.groups ?? {});
    const body = req.method === "GET" || req.method === "HEAD" ? {} : await readBody(req, o.maxBodyBytes, o.bodyTimeoutMs);
    return r.handler({ params, query: target.query, body, remoteAddress: req.socket.remoteAddress, headers: req.headers, ...(identity ? { identity } : {}) });
  }
  auth(req); // an unknown path is not told apart from a known one before the caller is known
  if (allowed) return { status: 405, body: { message: `method ${req.method} not allowed on ${path.slice(0, 200)}` } };
  throw notFound(`page not found: ${req.method} ${path.slice(0, 200)}`);
}

/**
 * A request node's parser refused (bad request line, bad header, oversized headers): answered as
 * `{message}` JSON like every other refusal, instead of node's empty 400, then closed.
 */
function onClientError(err: Error & { code?: string; reason?: string }, socket: Duplex): void {
  if (err.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = err.code === "HPE_HEADER_OVERFLOW" ? [431, "request headers larger than allowed"]
    : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "request not received in time"]
      : [400, `malformed HTTP request: ${(err.reason ?? err.message).slice(0, 200)}`];
  const body = JSON.stringify({ message });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `connection: close\r\n\r\n${body}`);
}

export function createHttpServer(routes: Route[], log: Logger, opts: HttpOptions = {}, listener: ListenerOptions = {}): Server {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS;
  const cfg: GuardConfig = { hostNames: opts.hostNames ?? [], origins: opts.origins ?? [] };
  // connectionsCheckingInterval: how often node enforces headersTimeout/requestTimeout (default 30 s).
  // The listen address, read once (server.address() asks the OS on every call).
  let listening: Listening = null;
  const auth = listener.authenticate ?? (() => undefined);
  const base = { maxHeaderSize: o.maxHeaderBytes, connectionsCheckingInterval: 1_000 };
  // A client certificate is asked for, not required: a caller with a bearer token has none, and a
  // refused certificate gets a JSON 401 that says why (expired, foreign CA) instead of a TLS alert.
  const tls = listener.tls ? { ...listener.tls, requestCert: true, rejectUnauthorized: false } : undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const refused = guard(listening, req, cfg);
    const work = refused ? Promise.reject(refused) : dispatch(routes, req, o, auth);
    work.then(
      (reply) => (reply.stream ? sendStream(res, reply.status, reply.stream, log, reply.headers)
        : send(res, reply.status, reply.body, reply.text, false, reply)),
      (err: unknown) => {
        if (err instanceof HttpError) {
          send(res, err.status, { message: err.message }, undefined, err.close || !req.complete);
          return;
        }
        if (err instanceof SwarmError && err.code !== "internal") {
          send(res, err.http, { message: err.message });
          return;
        }
        const message = errorMessage(err).split("\n")[0] ?? "internal error";
        log.error("request failed", { method: req.method, url: req.url?.slice(0, 200), err: message });
        send(res, 500, { message });
      },
    );
  };
  const server: Server = tls ? createHttpsServer({ ...base, ...tls }, onRequest) : createServer(base, onRequest);
  if (tls) answerPlainHttpOnTls(server, o.headersTimeoutMs);
  server.on("listening", () => { listening = server.address(); });
  server.on("clientError", onClientError);
  server.headersTimeout = o.headersTimeoutMs;
  // A backstop for the body timeout above (node answers 408 itself).
  server.requestTimeout = o.headersTimeoutMs + o.bodyTimeoutMs + 1_000;
  server.keepAliveTimeout = o.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = o.maxRequestsPerSocket;
  server.maxConnections = o.maxConnections;
  return server;
}
