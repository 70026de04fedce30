import type { Service } from "../../schemas/api.js";
import { NAMESPACE_LABEL } from "./objects.js";

/* Pure helpers of `stack ls|services|ps|deploy` (docker/cli's stack command semantics). */

/** docker's validateStackName: empty, or only blanks and quotes, is refused. */
export function checkStackName(namespace: string): string {
  if (namespace.replace(/^[\s"']+|[\s"']+$/g, "") === "") throw new Error(`invalid stack name: ${JSON.stringify(namespace)}`);
  return namespace;
}

/** fvbommel/sortorder's NaturalLess: digit runs compare as numbers (`web2` before `web10`). */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    const bothDigits = /^\d/.test(p) && /^\d/.test(q);
    if (bothDigits && Number(p) !== Number(q)) return Number(p) - Number(q);
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

/** `stack ls` rows (NAME, SERVICES): the services that carry the namespace label, counted per stack. */
export function stackRows(services: Pick<Service, "ID" | "Spec">[]): string[][] {
  const count = new Map<string, number>();
  for (const s of services) {
    const name = s.Spec.Labels?.[NAMESPACE_LABEL];
    if (name === undefined) throw new Error(`cannot get label ${NAMESPACE_LABEL} for service ${s.ID}`);
    count.set(name, (count.get(name) ?? 0) + 1);
  }
  return [...count].sort(([a], [b]) => naturalCompare(a, b)).map(([name, n]) => [name, String(n)]);
}

/**
 * docker ANDs the values of a `label` filter (every one must match); the api ORs the values of a
 * key. So the user's label filters are applied here, on top of the namespace filter.
 */
export function withLabels<T extends { Spec: { Labels?: Record<string, string> } }>(items: T[], labelFilters: string[]): T[] {
  return items.filter((x) => labelFilters.every((f) => {
    const i = f.indexOf("=");
    const labels = x.Spec.Labels ?? {};
    return i < 0 ? labels[f] !== undefined : labels[f.slice(0, i)] === f.slice(i + 1);
  }));
}

/** `-c a.yml -c b.yml` and docker's `-c a.yml,b.yml` (a string slice) give the same list. */
export function composeFiles(values: string[]): string[] {
  const files = values.flatMap((v) => v.split(",")).map((f) => f.trim()).filter(Boolean);
  if (!files.length) throw new Error("Specify a Compose file (with --compose-file)");
  return files;
}
