/*
 * How the CLI reaches the api when `--host` / SWARM_HOST names several (active-active) apis:
 * `http://a:4280,http://b:4280`. Each request goes to the hosts in the order given, and moves on
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

/** The hosts of a `--host` value: comma-separated, `http://` added when missing, duplicates dropped. */
export function parseHosts(value: string): string[] {
  const hosts = value.split(",").map((h) => h.trim()).filter(Boolean).map((h) => (/^https?:\/\//.test(h) ? h : `http://${h}`));
  if (hosts.length === 0) throw new Error(`--host: no api address in "${value}"`);
  for (const h of hosts) {
    try { new URL(h); } catch { throw new Error(`--host: "${h}" is not a URL (expected http://host:port)`); }
  }
  return [...new Set(hosts)];
}

/** Error codes of a connection that was never made: the request did not leave this machine. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT"]);

const WORDS: Record<string, string> = {
  ECONNREFUSED: "connection refused", ENOTFOUND: "host not found", EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "no route to host", ENETUNREACH: "network unreachable", EADDRNOTAVAIL: "address not available",
  UND_ERR_CONNECT_TIMEOUT: "connect timeout", ECONNRESET: "connection reset", UND_ERR_SOCKET: "connection closed",
  UND_ERR_HEADERS_TIMEOUT: "no answer in time", UND_ERR_BODY_TIMEOUT: "no answer in time",
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
  base: string, path: string, init: RequestInit & { method: string }, onAnswer?: (host: string) => void,
): Promise<Response> {
  const hosts = parseHosts(base);
  const tried: string[] = [];
  for (const host of hosts) {
    const url = new URL(path, host.endsWith("/") ? host : host + "/");
    try {
      const res = await fetch(url, init);
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
