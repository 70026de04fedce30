import type { ServiceSpec } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/pure.js";

/*
 * Checks of a service spec that zod's shape cannot express: placement constraints and published
 * ports (reference §4.3, §7). Pure; a failure names the field and nothing is appended.
 */

export const SPEC_MESSAGES = {
  ingress: "ingress-mode published ports need the routing mesh, which jetswarm does not have yet: use mode=host",
  operator: "constraint expected one operator from ==, !=",
  duplicatePorts: "EndpointSpec: duplicate published ports provided",
} as const;

const KEY_RE = /^[a-z_][a-z0-9\-_.]+$/i;

/** `node.labels.zone == a` → ok; anything without exactly one `==`/`!=` or with a bad key is refused. */
export function checkConstraint(c: string): void {
  const i = c.includes("==") ? c.indexOf("==") : c.indexOf("!=");
  if (i < 0) throw invalidArgument(SPEC_MESSAGES.operator);
  const key = c.slice(0, i).trim();
  const value = c.slice(i + 2).trim();
  if (value.includes("==") || value.includes("!=")) throw invalidArgument(SPEC_MESSAGES.operator);
  if (!KEY_RE.test(key)) throw invalidArgument(`TaskTemplate.Placement.Constraints: key "${key}" is invalid in "${c}"`);
  if (!value) throw invalidArgument(`TaskTemplate.Placement.Constraints: value is empty in "${c}"`);
}

export function checkPorts(spec: ServiceSpec): void {
  const seen = new Set<string>();
  for (const p of spec.EndpointSpec?.Ports ?? []) {
    if ((p.PublishMode ?? "ingress") === "ingress") throw invalidArgument(SPEC_MESSAGES.ingress);
    if (!p.PublishedPort) continue;
    const key = `${p.Protocol ?? "tcp"}/${p.PublishedPort}`;
    if (seen.has(key)) throw invalidArgument(SPEC_MESSAGES.duplicatePorts);
    seen.add(key);
  }
}

/** Everything the api checks beyond the zod shape, for create and update alike. */
export function checkServiceSpec(spec: ServiceSpec): void {
  for (const c of spec.TaskTemplate.Placement?.Constraints ?? []) checkConstraint(c);
  checkPorts(spec);
}
