import type { z } from "zod";

type Issue = z.core.$ZodIssue;

/** `Invalid input: expected int, received string` → `expected integer, got string`. */
function message(i: Issue): string {
  if (i.code !== "invalid_type") return i.message;
  const got = /received (\w+)/.exec(i.message)?.[1];
  const want = i.expected === "int" ? "integer" : i.expected;
  return got ? `expected ${want}, got ${got}` : i.message;
}

/**
 * A union's own issue says only "Invalid input"; the branch the input went deepest into (e.g.
 * `Mode.Replicated.Replicas` rather than `Mode.Global`) holds the words the user needs. A tie
 * (no branch recognised) keeps the union's issue.
 */
function explainUnion(i: Issue): Issue[] {
  if (i.code !== "invalid_union" || !("errors" in i) || !Array.isArray(i.errors)) return [i];
  const depth = (branch: Issue[]) => Math.max(...branch.map((b) => (b.code === "unrecognized_keys" ? -1 : b.path.length)));
  const ranked = [...(i.errors as Issue[][])].sort((a, b) => depth(b) - depth(a));
  if (ranked.length < 2 || depth(ranked[0]!) === depth(ranked[1]!)) return [i];
  return ranked[0]!.flatMap((b) => explainUnion({ ...b, path: [...i.path, ...b.path] } as Issue));
}

/** `TaskTemplate.ContainerSpec.Image: required; Name: name must be valid as a DNS name component` */
export function formatZodError(err: z.ZodError): string {
  return err.issues
    .flatMap((i) => explainUnion(i as Issue))
    .map((i) => {
      const path = i.path.map(String).join(".");
      if (i.code === "unrecognized_keys") {
        const keys = (i as { keys?: string[] }).keys ?? [];
        return keys.map((k) => `${path ? path + "." : ""}${k}: unknown field`).join("; ");
      }
      return path ? `${path}: ${message(i)}` : message(i);
    })
    .join("; ");
}
