import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { errorMessage, invalidArgument, notFound, SwarmError } from "../../shared/errors/index.js";
import { type Logger } from "../../shared/telemetry/index.js";

/* A minimal router over node:http: JSON in, JSON out, `{message}` on every error. */

export interface Request {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (`{}` when empty). */
  body: unknown;
  /** The client's address (the socket's peer): who the request acts as (`core/actor.ts`). */
  remoteAddress?: string;
}
export interface Reply { status: number; body?: unknown }
export type Handler = (req: Request) => Promise<Reply>;
export interface Route { method: string; pattern: RegExp; handler: Handler }

/** `/services/:id/update` → a RegExp with named groups. */
export function route(method: string, path: string, handler: Handler): Route {
  const source = path.replace(/:([a-zA-Z]+)/g, "(?<$1>[^/]+)");
  return { method, pattern: new RegExp(`^${source}/?$`), handler };
}

const MAX_BODY = 4 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw invalidArgument(`request body larger than ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`invalid JSON body: ${errorMessage(err)}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function dispatch(routes: Route[], req: IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? "/", "http://localhost");
  // Docker clients prefix a version (`/v1.41/services`): accepted and ignored.
  const path = url.pathname.replace(/^\/v\d+(\.\d+)?(?=\/)/, "");
  let allowed = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    allowed = true;
    if (r.method !== req.method) continue;
    const params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
    const body = req.method === "GET" || req.method === "HEAD" ? {} : await readBody(req);
    return r.handler({ params, query: url.searchParams, body, remoteAddress: req.socket.remoteAddress });
  }
  if (allowed) return { status: 405, body: { message: `method ${req.method} not allowed on ${path}` } };
  throw notFound(`page not found: ${req.method} ${path}`);
}

export function createHttpServer(routes: Route[], log: Logger): Server {
  return createServer((req, res) => {
    dispatch(routes, req).then(
      (reply) => send(res, reply.status, reply.body),
      (err: unknown) => {
        if (err instanceof SwarmError && err.code !== "internal") {
          send(res, err.http, { message: err.message });
          return;
        }
        const message = errorMessage(err).split("\n")[0] ?? "internal error";
        log.error("request failed", { method: req.method, url: req.url, err: message });
        send(res, 500, { message });
      },
    );
  });
}
