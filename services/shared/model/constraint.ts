import type { NodeView } from "./cluster-state.js";

/*
 * Placement constraints (reference §4.3, swarmkit `manager/constraint`): `key OP value` with OP
 * `==` or `!=`, and classic Swarm's soft forms `==~` / `!=~` (a preference, dropped when no node
 * satisfies it). Values compare case-insensitively; label names are case-sensitive.
 */

export interface Constraint {
  key: string;
  /** True for `==`, false for `!=`. */
  equal: boolean;
  value: string;
  /** `==~` / `!=~`: honoured when some node satisfies it, else ignored. */
  soft: boolean;
}

export type ParsedConstraint = { ok: true; constraint: Constraint } | { ok: false; error: string };

const KEY_RE = /^[a-z_][a-z0-9\-_.]+$/i;
const VALUE_RE = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;
/** Checked in this order: the soft forms contain the hard ones. */
const OPERATORS = [["==~", true, true], ["!=~", false, true], ["==", true, false], ["!=", false, false]] as const;
export const OPERATOR_ERROR = "constraint expected one operator from ==, !=";

/** Parses one constraint expression, with swarmkit's error messages. Pure: the api calls it. */
export function parseConstraint(expr: string): ParsedConstraint {
  for (const [op, equal, soft] of OPERATORS) {
    const at = expr.indexOf(op);
    if (at < 0) continue;
    const key = expr.slice(0, at).trim();
    const value = expr.slice(at + op.length).trim();
    if (!KEY_RE.test(key)) return { ok: false, error: `key '${key}' is invalid` };
    if (!VALUE_RE.test(value)) return { ok: false, error: `value '${value}' is invalid` };
    return { ok: true, constraint: { key, equal, value, soft } };
  }
  return { ok: false, error: OPERATOR_ERROR };
}

/**
 * Parses a spec's constraints. The api refuses malformed ones; one that got past it anyway fails
 * closed — a hard constraint no node satisfies — rather than being ignored.
 */
export function parseConstraints(exprs: readonly string[] | undefined): Constraint[] {
  return (exprs ?? []).map((e) => {
    const p = parseConstraint(e);
    return p.ok ? p.constraint : { key: "", equal: true, value: e, soft: false };
  });
}

/** What the node has under `key`; undefined = unknown key (the node never matches). */
function nodeValue(n: NodeView, key: string): string | undefined {
  const lower = key.toLowerCase();
  if (lower.startsWith("node.labels.")) return n.labels[key.slice("node.labels.".length)] ?? "";
  if (lower.startsWith("engine.labels.")) return n.description?.engineLabels[key.slice("engine.labels.".length)] ?? "";
  switch (lower) {
    case "node.id": return n.id;
    case "node.hostname": return n.description?.hostname ?? "";
    case "node.role": return n.role;
    case "node.platform.os": return n.description?.os ?? "";
    case "node.platform.arch": return n.description?.architecture ?? "";
    default: return undefined;
  }
}

/** Whether the node satisfies one constraint. */
export function matchConstraint(c: Constraint, n: NodeView): boolean {
  if (c.key.toLowerCase() === "node.ip") {
    const hit = ipMatches(c.value, n.addr ?? "");
    return hit === undefined ? false : hit === c.equal;
  }
  const have = nodeValue(n, c.key);
  if (have === undefined) return false;
  return (have.toLowerCase() === c.value.toLowerCase()) === c.equal;
}

export function matchAll(cs: readonly Constraint[], n: NodeView): boolean {
  return cs.every((c) => matchConstraint(c, n));
}

/** `value` as an IP or CIDR against the node's address; undefined when `value` is neither. */
export function ipMatches(value: string, addr: string): boolean | undefined {
  const [net, bitsText] = value.split("/");
  const want = ipv4(net ?? "");
  if (want === undefined) {
    // IPv6 (no arithmetic here): exact address only.
    return value.includes(":") && bitsText === undefined ? value.toLowerCase() === addr.toLowerCase() : undefined;
  }
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const have = ipv4(addr);
  if (have === undefined) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((have & mask) >>> 0) === ((want & mask) >>> 0);
}

function ipv4(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}
