import type { ServiceSpec } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import { OPERATOR_ERROR, parseConstraint } from "../../shared/model/index.js";

/*
 * Checks of a service spec that zod's shape cannot express: placement constraints and published
 * ports (reference §4.3, §7). Pure; a failure names the field and nothing is appended.
 */

export const SPEC_MESSAGES = {
  ingress: "ingress-mode published ports need the routing mesh, which jetswarm does not have yet: use mode=host",
  operator: OPERATOR_ERROR,
  duplicatePorts: "EndpointSpec: duplicate published ports provided",
} as const;

/**
 * The scheduler's own parser (services/shared/constraint.ts) decides, so the api accepts exactly
 * the constraints the scheduler can evaluate.
 */
export function checkConstraint(c: string): void {
  const parsed = parseConstraint(c);
  if (parsed.ok) return;
  if (parsed.error === OPERATOR_ERROR) throw invalidArgument(OPERATOR_ERROR);
  throw invalidArgument(`TaskTemplate.Placement.Constraints: ${parsed.error} in "${c}"`);
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
