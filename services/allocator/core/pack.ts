import type { ClusterState, PlannedEvent } from "../../shared/model/index.js";
import { BATCH_LIMITS, plan, versionOf } from "../../shared/model/index.js";
import { subjects, type EventData } from "../../../schemas/index.js";

/** The allocator's own subject's id: `swarm.evt.allocations.allocator` (one active allocator). */
export const ALLOCATIONS_ID = "allocator";

export interface PassDecisions {
  networks: EventData<"NetworkAllocated">[];
  services: EventData<"ServiceAllocated">[];
  tasks: (EventData<"TaskAllocated"> & { nodeId?: string })[];
  attachments: EventData<"NetworkNodeAttached">[];
  /** Reasons of tasks left waiting, only those that changed. */
  failures: EventData<"TaskAllocationFailed">[];
}

/** Batches within the shared limits: members and bytes (a follower pulls a thousand at a time). */
function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const x of list) {
    const size = JSON.stringify(x).length;
    if (cur.length > 0 && (cur.length >= BATCH_LIMITS.members || bytes + size > BATCH_LIMITS.bytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(x);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * One pass's decisions as batches on the allocator's subject, in the order they make sense to a
 * reader (networks, services, tasks, nodes' gateways). Each expects the one before (appendPlanned
 * chains one subject's events); the first expects the subject's version in `state`, so an
 * allocator whose projection has not seen another holder's allocations cannot write. Keys derive
 * from the first member, so a retried pass is stored once.
 */
export function packAllocations(state: ClusterState, d: PassDecisions): PlannedEvent[] {
  const version = versionOf(state, subjects.event("allocations", ALLOCATIONS_ID));
  const out: PlannedEvent[] = [];
  const add = <T extends "NetworksAllocated" | "ServicesAllocated" | "TasksAllocated" | "TasksAllocationFailed" | "NetworkNodesAttached">(type: T, data: EventData<T>, first: string, n: number) => {
    out.push(plan(type, "allocations", ALLOCATIONS_ID, data, version, `${type}:${first}+${n}`));
  };
  for (const c of chunks(d.networks)) add("NetworksAllocated", { networks: c }, c[0]!.networkId, c.length);
  for (const c of chunks(d.services)) add("ServicesAllocated", { services: c }, `${c[0]!.serviceId}@${c[0]!.specVersion}`, c.length);
  for (const c of chunks(d.tasks)) {
    add("TasksAllocated", { allocations: c.map(({ taskId, networks }) => ({ taskId, networks })) }, c[0]!.taskId, c.length);
  }
  for (const c of chunks(d.failures)) add("TasksAllocationFailed", { failures: c }, `${c[0]!.taskId}:${c[0]!.err}`, c.length);
  for (const c of chunks(d.attachments)) add("NetworkNodesAttached", { attachments: c }, `${c[0]!.networkId}:${c[0]!.nodeId}`, c.length);
  return out;
}
