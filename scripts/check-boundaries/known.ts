// Violations that another change in flight fixes, so the check can run green before it lands.
// An entry that matches nothing is reported itself: when the fix lands, the entry must go.
import { RULES, type Rule, type Violation } from "./rules.js";

export interface KnownViolation {
  rule: Rule;
  path: string;
  /** Who fixes it, and how. */
  why: string;
}

export const KNOWN_VIOLATIONS: readonly KnownViolation[] = [];

/** The violations not excused by `known`, plus one for each entry of `known` that excuses nothing. */
export function withoutKnown(violations: readonly Violation[], known: readonly KnownViolation[]): Violation[] {
  const matches = (k: KnownViolation, v: Violation): boolean => k.rule === v.rule && k.path === v.path;
  const remaining = violations.filter((v) => !known.some((k) => matches(k, v)));
  const stale = known.filter((k) => !violations.some((v) => matches(k, v))).map((k): Violation => ({
    rule: RULES.staleKnown, path: k.path, line: 1,
    message: `no ${k.rule} violation here any more: remove its entry from scripts/check-boundaries/known.ts`,
  }));
  return [...remaining, ...stale];
}
