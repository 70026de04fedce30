import { desiredReplicas, jobMode, SPEC_LIMITS, type ServiceSpec, type SpecLimits } from "../../../schemas/index.js";
import type { ClusterState } from "../../shared/model/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import { liveServices } from "./lookup.js";

/*
 * Limits a spec must respect before anything is appended (SPEC_LIMITS): a spec that would put the
 * orchestrator out of memory (10⁹ replicas) or not fit a NATS message (a 1 MB label) is refused
 * with a 400 naming the field, never turned into a 503 from the bus.
 */

const utf8 = new TextEncoder();
const bytes = (s: string) => utf8.encode(s).length;

function checkLabels(field: string, labels: Record<string, string> | undefined, limits: SpecLimits): void {
  for (const [k, v] of Object.entries(labels ?? {})) {
    const n = bytes(k) + bytes(v);
    if (n > limits.maxLabelBytes) {
      throw invalidArgument(`${field}: label "${k.slice(0, 40)}" is ${n} bytes (key + value), over the limit of ${limits.maxLabelBytes}`);
    }
  }
}

/** Sizes and the per-service replica count: a property of the spec alone. */
export function checkSpecLimits(spec: ServiceSpec, limits: SpecLimits = SPEC_LIMITS): void {
  const replicas = desiredReplicas(spec);
  if (replicas !== undefined && replicas > limits.maxReplicas) {
    throw invalidArgument(`Mode.Replicated.Replicas: ${replicas} is over the limit of ${limits.maxReplicas} replicas per service`);
  }
  const job = jobMode(spec);
  if (job && Math.max(job.totalCompletions, job.maxConcurrent) > limits.maxReplicas) {
    throw invalidArgument(`Mode.ReplicatedJob: ${Math.max(job.totalCompletions, job.maxConcurrent)} is over the limit of ${limits.maxReplicas} replicas per service`);
  }
  checkLabels("Labels", spec.Labels, limits);
  checkLabels("TaskTemplate.ContainerSpec.Labels", spec.TaskTemplate.ContainerSpec.Labels, limits);
  const size = bytes(JSON.stringify(spec));
  if (size > limits.maxSpecBytes) throw invalidArgument(`spec is ${size} bytes as JSON, over the limit of ${limits.maxSpecBytes}`);
}

/** Tasks a service asks for: its replicas, or one per node for a global service. */
function tasksWanted(state: ClusterState, spec: ServiceSpec): number {
  const job = jobMode(spec);
  return desiredReplicas(spec) ?? (job?.kind === "replicated-job" ? job.totalCompletions : state.nodes.size);
}

/**
 * The cluster-wide task count with `spec` in place of service `replacing` (undefined for a new
 * service). Only a change that raises the count is refused: lowering it is always allowed.
 */
export function checkClusterTasks(state: ClusterState, spec: ServiceSpec, replacing: string | undefined, limits: SpecLimits = SPEC_LIMITS): void {
  let others = 0;
  let before = 0;
  for (const s of liveServices(state)) {
    if (s.id === replacing) before = tasksWanted(state, s.spec);
    else others += tasksWanted(state, s.spec);
  }
  const after = tasksWanted(state, spec);
  if (after <= before || others + after <= limits.maxClusterTasks) return;
  throw invalidArgument(`Mode.Replicated.Replicas: the cluster's services would ask for ${others + after} tasks, over the limit of ${limits.maxClusterTasks} tasks per cluster`);
}
