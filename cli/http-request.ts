import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";

/*
 * One HTTP exchange with the api, over a unix socket (`unix:///path/api.sock`), HTTPS (with the
 * cluster's CA, a client certificate, a bearer token) or plain HTTP (development), answered as a
 * fetch `Response` (the CLI reads every answer one way: client.ts `readAnswer`).
 */

/** How the CLI proves who it is to an HTTPS api, and which CA it trusts (PEM text). */
export interface Credentials {
  /** CA certificates the api's certificate must chain to. Default: the system's. */
  ca?: string;
  /** A client certificate and its key (both or neither). */
  cert?: string;
  key?: string;
  /** A bearer token (`swarm token create`), sent as `Authorization: Bearer …`. */
  token?: string;
  /**
   * Skip checking the api's certificate: only for fetching the cluster's CA certificate before a
   * join, which is then trusted by its digest in the join token, never by the connection.
   */
  insecureSkipVerify?: boolean;
}

export interface ApiRequest { method: string; headers?: Record<string, string>; body?: string }

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([204, 205, 304]);

function optionsFor(host: string, path: string, req: ApiRequest, creds: Credentials): { https: boolean; opts: RequestOptions } {
  const headers: Record<string, string> = { ...req.headers };
  if (creds.token) headers.authorization = `Bearer ${creds.token}`;
  if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
  const rel = path.startsWith("/") ? path : `/${path}`;
  if (host.startsWith("unix://")) {
    return { https: false, opts: { socketPath: host.slice("unix://".length), path: rel, method: req.method, headers } };
  }
  const url = new URL(rel, host.endsWith("/") ? host : host + "/");
  // Path of `host` kept (an api behind a prefix): new URL drops it for an absolute `rel`.
  const base = new URL(host).pathname.replace(/\/$/, "");
  const opts: RequestOptions = { hostname: url.hostname.replace(/^\[|\]$/g, ""), port: url.port, path: base + url.pathname + url.search, method: req.method, headers };
  if (url.protocol !== "https:") return { https: false, opts };
  return { https: true, opts: {
    ...opts, ...(creds.ca ? { ca: creds.ca } : {}), ...(creds.cert ? { cert: creds.cert, key: creds.key } : {}),
    ...(creds.insecureSkipVerify ? { rejectUnauthorized: false } : {}),
  } as RequestOptions };
}

async function toResponse(res: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
  const status = res.statusCode ?? 500;
  return new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers });
}

/** One request to one api host; rejects with the system or TLS error (its `code`) when no answer came. */
export function requestApi(host: string, path: string, req: ApiRequest, creds: Credentials = {}): Promise<Response> {
  const { https, opts } = optionsFor(host, path, req, creds);
  return new Promise((resolve, reject) => {
    const r = (https ? httpsRequest : httpRequest)(opts, (res) => { toResponse(res).then(resolve, reject); });
    r.once("error", reject);
    r.end(req.body);
  });
}

/** A GET whose answer is read as it comes (logs): resolves with the response once its headers are in. */
export function requestStream(host: string, path: string, creds: Credentials = {}): Promise<IncomingMessage> {
  const { https, opts } = optionsFor(host, path, { method: "GET" }, creds);
  return new Promise((resolve, reject) => {
    const r = (https ? httpsRequest : httpRequest)(opts, resolve);
    r.once("error", reject);
    r.end();
  });
}
