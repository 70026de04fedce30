import { isIP } from "node:net";
import { isLoopback } from "../core/actor.js";

/*
 * Who may drive the api from a browser (issue "Hardening" 4). A web page can send a simple
 * cross-origin POST, and DNS rebinding can point a foreign name at a loopback api: so the `Host`
 * header must name the api itself, and a write that carries a foreign `Origin` is refused.
 * An IP literal cannot be rebound (the browser's origin is the address itself).
 */

export interface GuardConfig {
  /** Names accepted in `Host` beside the listen address (`SWARM_API_HOSTS`, comma-separated). */
  hostNames: string[];
  /** Origins (`scheme://host[:port]`) allowed to write cross-origin (`SWARM_API_ORIGINS`). */
  origins: string[];
}

/** Where the api listens: an address and family, or a unix socket path. */
export type Listening = { address: string; family?: string } | string | null;

/** `Example.com:4280` → `example.com`; `[::1]:80` → `::1`; undefined when it is not host[:port]. */
export function hostnameOf(host: string): string | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/@]+))(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) return undefined;
  return (m[1] ?? m[2] ?? "").toLowerCase().replace(/\.$/, "");
}

const WILDCARD = new Set(["0.0.0.0", "::", ""]);

/** A refusal message when `Host` does not name this api; undefined when it does. */
export function hostProblem(host: string | undefined, listening: Listening, cfg: GuardConfig): string | undefined {
  if (typeof listening === "string" || listening === null) return undefined; // a unix socket: no browser reaches it
  if (!host) return "a Host header is required";
  const name = hostnameOf(host);
  if (name !== undefined && hostAllowed(name, listening.address.replace(/^::ffff:/i, ""), cfg)) return undefined;
  return `Host "${host.slice(0, 100)}" does not name this api (listening on ${listening.address}); ` +
    "add the name to SWARM_API_HOSTS (--api-host-names) to accept it";
}

function hostAllowed(name: string, listen: string, cfg: GuardConfig): boolean {
  if (cfg.hostNames.some((n) => n.toLowerCase() === name)) return true;
  const wildcard = WILDCARD.has(listen);
  if (name === "localhost") return wildcard || isLoopback(listen);
  if (!isIP(name)) return false;
  if (wildcard) return true;
  if (isLoopback(listen)) return isLoopback(name);
  return name === listen.toLowerCase();
}

/**
 * A refusal message for a write whose `Origin` is neither this api (same origin: the console) nor
 * configured; undefined when allowed. Requests without `Origin` are not from a web page's script.
 */
export function originProblem(origin: string | undefined, host: string | undefined, cfg: GuardConfig): string | undefined {
  if (origin === undefined) return undefined;
  if (cfg.origins.includes(origin)) return undefined;
  let sameOrigin = false;
  try {
    sameOrigin = origin !== "null" && host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    sameOrigin = false;
  }
  if (sameOrigin) return undefined;
  return `cross-origin request from Origin "${origin.slice(0, 100)}" refused; add it to SWARM_API_ORIGINS to allow it`;
}

/** A body's media type must be JSON; undefined when it is (or there is no body and no type). */
export function contentTypeProblem(type: string | undefined, hasBody: boolean): string | undefined {
  if (type === undefined) return hasBody ? "a request body needs Content-Type: application/json" : undefined;
  const mime = type.split(";")[0]!.trim().toLowerCase();
  if (mime === "application/json") return undefined;
  return `unsupported Content-Type "${type.slice(0, 100)}": the api accepts application/json`;
}

/** `a, b ,c` → `["a", "b", "c"]`. */
export function listOf(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}
