import { SPEC_LIMITS, type ServiceSpec, type SpecLimits } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import { OPERATOR_ERROR, parseConstraint } from "../../shared/model/index.js";
import { checkSpecLimits } from "./spec-limits.js";

/*
 * Checks of a service spec that zod's shape cannot express: placement constraints and published
 * ports (reference §4.3, §7): duplicates in one spec, ingress with dnsrr. Pure; a failure names the field and nothing is appended.
 */

export const SPEC_MESSAGES = {
  dnsrrIngress: "EndpointSpec: port published with ingress mode can't be used with dnsrr mode",
  operator: OPERATOR_ERROR,
  duplicatePorts: "EndpointSpec: duplicate published ports provided",
} as const;

const FIELD = "TaskTemplate.Placement.Constraints";
/** The keys the scheduler can evaluate (reference §4.3); anything else would never match a node. */
const KNOWN_KEY = /^(node\.(id|hostname|ip|role|platform\.os|platform\.arch)|(node|engine)\.labels\.[^.\s].*)$/i;
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The scheduler's own parser (services/shared/model/constraint.ts) decides the syntax, so the api
 * accepts exactly the constraints the scheduler can evaluate; on top of it, a key the scheduler
 * does not know and control characters (a trailing newline from a file) are refused.
 */
export function checkConstraint(c: string): void {
  const field = FIELD;
  if (CONTROL.test(c)) throw invalidArgument(`${field}: control character in ${JSON.stringify(c)}`);
  const parsed = parseConstraint(c);
  if (!parsed.ok) {
    if (parsed.error === OPERATOR_ERROR) throw invalidArgument(OPERATOR_ERROR);
    throw invalidArgument(`${field}: ${parsed.error} in "${c}"`);
  }
  if (!KNOWN_KEY.test(parsed.constraint.key)) {
    throw invalidArgument(`${field}: key '${parsed.constraint.key}' is invalid in "${c}" (expected node.id, node.hostname, node.ip, ` +
      "node.role, node.platform.os, node.platform.arch, node.labels.<name> or engine.labels.<name>)");
  }
}

export function checkPorts(spec: ServiceSpec): void {
  const seen = new Set<string>();
  const dnsrr = spec.EndpointSpec?.Mode === "dnsrr";
  for (const p of spec.EndpointSpec?.Ports ?? []) {
    // The routing mesh balances over the service's VIP, which dnsrr does not have (swarmkit's rule).
    if (dnsrr && (p.PublishMode ?? "ingress") === "ingress") throw invalidArgument(SPEC_MESSAGES.dnsrrIngress);
    if (!p.PublishedPort) continue;
    const key = `${p.Protocol ?? "tcp"}/${p.PublishedPort}`;
    if (seen.has(key)) throw invalidArgument(SPEC_MESSAGES.duplicatePorts);
    seen.add(key);
  }
}

/** Everything the api checks beyond the zod shape, for create and update alike. */
export function checkServiceSpec(spec: ServiceSpec, limits: SpecLimits = SPEC_LIMITS): void {
  checkSpecLimits(spec, limits);
  for (const c of spec.TaskTemplate.Placement?.Constraints ?? []) checkConstraint(c);
  checkPorts(spec);
}
