import type { IncomingMessage } from "node:http";
import { requestApi, requestStream, type ApiRequest, type Credentials } from "./http-request.js";

/*
 * How the CLI reaches the api when `--host` / SWARM_HOST names several (active-active) apis:
 * `https://a:4280,https://b:4280` (or `unix:///path/api.sock`: the local api). Each request goes to the hosts in the order given, and moves on
 * to the next one only when that is safe:
 *
 * - the connection could not be made (refused, no route, name not found, connect timeout): the
 *   request was never sent, so any request, a write included, is tried on the next host;
 * - the connection broke after the request was sent (reset, closed, no answer): a read (GET, HEAD)
 *   is tried on the next host; a write is NOT, because the first api may have applied it already.
 *   A repeated `service create` would then fail with a name conflict, a repeated `update
 *   --version N` with "update out of sequence", and a repeated scale or `node update` would act
 *   twice on fresh state. The user is told it is unknown whether it was applied;
 * - an api that answers, even with an error (a 503 included), has answered: its answer is final.
 */

/**
 * The hosts of a `--host` value: comma-separated, duplicates dropped; `host:port` and Docker's
 * `tcp://host:port` mean HTTPS (every TCP api is, unless started for development with plain HTTP,
 * which must then be asked for as `http://`); `unix:///path` is a socket.
 */
export function parseHosts(value: string): string[] {
  const hosts = value.split(",").map((h) => h.trim()).filter(Boolean)
    .map((h) => (/^(https?|unix):\/\//.test(h) ? h : `https://${h.replace(/^tcp:\/\//, "")}`));
  if (hosts.length === 0) throw new Error(`--host: no api address in "${value}"`);
  for (const h of hosts) {
    if (h.startsWith("unix://")) {
      if (!h.startsWith("unix:///")) throw new Error(`--host: "${h}" must name an absolute socket path (unix:///path/api.sock)`);
      continue;
    }
    try { new URL(h); } catch { throw new Error(`--host: "${h}" is not a URL (expected https://host:port or unix:///path)`); }
  }
  return [...new Set(hosts)];
}

/** Where the api is and how to talk to it: `hosts` as `--host` takes them, credentials for HTTPS. */
export interface ApiTarget { hosts: string; credentials?: Credentials }

/** Error codes of a connection that was never made: the request did not leave this machine. */
const NOT_SENT = new Set([
  "ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT", "ENOENT", "EACCES",
  // The TLS handshake failed: nothing of the request was sent.
  "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_HAS_EXPIRED", "EPROTO",
]);
const UNTRUSTED = "the api's certificate is not issued by a CA this CLI trusts: give the cluster's CA with --tlscacert or SWARM_CERT_PATH";

const WORDS: Record<string, string> = {
  ECONNREFUSED: "connection refused", ENOTFOUND: "host not found", EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "no route to host", ENETUNREACH: "network unreachable", EADDRNOTAVAIL: "address not available",
  UND_ERR_CONNECT_TIMEOUT: "connect timeout", ECONNRESET: "connection reset", UND_ERR_SOCKET: "connection closed",
  UND_ERR_HEADERS_TIMEOUT: "no answer in time", UND_ERR_BODY_TIMEOUT: "no answer in time",
  ENOENT: "no api socket there", EACCES: "permission denied: the api socket is for root and its group",
  DEPTH_ZERO_SELF_SIGNED_CERT: UNTRUSTED, SELF_SIGNED_CERT_IN_CHAIN: UNTRUSTED, UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNTRUSTED, ERR_TLS_CERT_ALTNAME_INVALID: "the api's certificate does not name this host",
  CERT_HAS_EXPIRED: "the api's certificate has expired", EPROTO: "TLS handshake failed (an http:// api addressed as https://?)",
};

/** The system / undici code of a failed `fetch` (its cause, or the first of an AggregateError's). */
export function failureCode(err: unknown): string | undefined {
  const cause = (err as { cause?: unknown })?.cause ?? err;
  const c = cause as { code?: unknown; errors?: { code?: unknown }[] } | undefined;
  const code = c?.code ?? c?.errors?.find((e) => typeof e?.code === "string")?.code;
  return typeof code === "string" ? code : undefined;
}

/** Whether a failed `fetch` certainly never sent the request. */
export function neverSent(err: unknown): boolean {
  const code = failureCode(err);
  return code !== undefined && NOT_SENT.has(code);
}

function describe(err: unknown): string {
  const code = failureCode(err);
  if (code) return WORDS[code] ?? code;
  return err instanceof Error ? err.message : String(err);
}

const isRead = (method: string) => method === "GET" || method === "HEAD";

/**
 * One request to the api at `base` (one host or a comma-separated list), failing over as the
 * header of this file says. Throws when no host could be reached, naming each host tried and why;
 * `onAnswer` learns which host answered.
 */
export async function fetchApi(
  target: string | ApiTarget, path: string, init: ApiRequest, onAnswer?: (host: string) => void,
): Promise<Response> {
  const t = typeof target === "string" ? { hosts: target } : target;
  const hosts = parseHosts(t.hosts);
  const tried: string[] = [];
  for (const host of hosts) {
    try {
      const res = await requestApi(host, path, init, t.credentials);
      onAnswer?.(host);
      return res;
    } catch (err) {
      if (!neverSent(err) && !isRead(init.method)) {
        throw new Error(`the api at ${host} did not answer (${describe(err)}) after the request was sent: it may or may not have been applied. ` +
          `Check (for example with \`swarm service ls\`) before repeating it.`);
      }
      tried.push(`${host} (${describe(err)})`);
    }
  }
  if (tried.length === 1) throw new Error(`Cannot connect to the jetswarm api at ${tried[0]}. Is it running (swarm up)?`);
  throw new Error(`Cannot connect to the jetswarm api at any of its hosts: ${tried.join(", ")}. Is it running (swarm up)?`);
}

/** A streamed GET (logs), failing over like any read while no host has answered. */
export async function streamApi(target: ApiTarget, path: string): Promise<IncomingMessage> {
  const tried: string[] = [];
  for (const host of parseHosts(target.hosts)) {
    try {
      return await requestStream(host, path, target.credentials);
    } catch (err) {
      tried.push(`${host} (${describe(err)})`);
    }
  }
  throw new Error(`Cannot connect to the jetswarm api at ${tried.join(", ")}. Is it running (swarm up)?`);
}
