import type { Actor, NodeRole } from "../../../schemas/index.js";

/*
 * Who a request acts as (recorded as every event's actor): the identity its listener
 * authenticated (`local` on the unix socket, `token:<name>`, `cert:<CN>`: shell/auth.ts); on a
 * plain development listener without a credential, where the request came from; for `swarm join`
 * which token it presented. `via` names the api instance that appended the events.
 */

/** `127.0.0.1`, `::1`, `::ffff:127.0.0.5`: a client on this host. */
export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.replace(/^::ffff:/i, "");
  return a === "::1" || /^127\.\d+\.\d+\.\d+$/.test(a);
}

/**
 * `{user, <identity>}` when the listener authenticated one; else `{user, local}` for a client on
 * this host, `{user, remote:<address>}` for any other.
 */
export function requestActor(remoteAddress: string | undefined, apiInstance: string, identity?: string): Actor {
  if (identity) return { kind: "user", id: identity, via: apiInstance };
  const id = isLoopback(remoteAddress) ? "local" : `remote:${(remoteAddress ?? "unknown").replace(/^::ffff:/i, "")}`;
  return { kind: "user", id, via: apiInstance };
}

/** A join is authenticated by its token: the actor is that token (by role; the secret is never recorded). */
export function joinActor(role: NodeRole, apiInstance: string): Actor {
  return { kind: "user", id: `token:${role}`, via: apiInstance };
}
