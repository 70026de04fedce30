/*
 * Which control-plane processes one manager's supervisor runs (pure). A service whose count was
 * never set runs one instance on every manager (the embedded default). A set count N is spread over
 * the ready managers: instance i (0-based) goes to manager (i + offset(service)) mod M in node-id
 * order, so every supervisor computes the same answer from the same log, the counts differ by at
 * most one between managers, and different services' leftovers land on different managers.
 */

export interface ShareInput {
  /** Desired instances per service (the cluster's `controlPlane`); absent = one per manager. */
  desired: Record<string, number> | undefined;
  /** Ready manager node ids (any order); `self` counts even when not listed yet. */
  managers: string[];
  self: string;
}

function offsetOf(service: string, m: number): number {
  let h = 0;
  for (const ch of service) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % m;
}

/** How many instances of `service` this manager runs. */
export function instancesHere(service: string, input: ShareInput): number {
  const n = input.desired?.[service];
  if (n === undefined) return 1;
  const managers = [...new Set([...input.managers, input.self])].sort();
  const m = managers.length;
  const me = managers.indexOf(input.self);
  const off = offsetOf(service, m);
  let count = 0;
  for (let i = 0; i < n; i++) if ((i + off) % m === me) count++;
  return count;
}

/** The supervisor's process name of instance `k` (1-based): the first keeps the bare service name. */
export function processName(service: string, k: number): string {
  return k === 1 ? service : `${service}-${k}`;
}
