import type { Filter } from "./filter.js";
import { nodes } from "./filter.js";

const ALIASES: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };

/** Docker's and the kernel's names for the same architecture compare equal. */
export function normaliseArch(arch: string): string {
  const a = arch.toLowerCase();
  return ALIASES[a] ?? a;
}

/** An empty field is a wildcard. */
function fieldMatches(want: string | undefined, have: string, norm: (s: string) => string): boolean {
  return !want || norm(want) === norm(have);
}

/** Filter 5: some requested platform matches the node's os/architecture. */
export const platformFilter: Filter = {
  name: "platform",
  enabled: (t) => (t.spec.Placement?.Platforms?.length ?? 0) > 0,
  check: (t, n) => {
    const os = n.node.description?.os ?? "";
    const arch = n.node.description?.architecture ?? "";
    return (t.spec.Placement?.Platforms ?? []).some((p) =>
      fieldMatches(p.OS, os, (s) => s.toLowerCase()) && fieldMatches(p.Architecture, arch, normaliseArch));
  },
  explain: (count) => `unsupported platform on ${nodes(count)}`,
};
