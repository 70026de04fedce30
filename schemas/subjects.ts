/** Subject, stream, bucket and consumer names: the one place they are spelled. */
export const STREAMS = {
  events: "EVENTS",
  nodeTasks: "NODE_TASKS",
  nodeStatus: "NODE_STATUS",
} as const;

export const BUCKETS = {
  members: "swarm-members",
  snapshots: "swarm-snapshots",
  /** Singleton leases, `lease.<service>` (DESIGN §5); the bucket's TTL is the lease TTL. */
  leases: "swarm-leases",
} as const;

/** `tasks`, `placements`, `reports`: the subjects of batches (schemas/events.ts). */
export type AggregateKind = "cluster" | "node" | "service" | "task" | "tasks" | "placements" | "reports";

export const subjects = {
  eventsAll: "swarm.evt.>",
  event: (kind: AggregateKind, id: string) => `swarm.evt.${kind}.${id}`,
  nodeTasksAll: "swarm.node.*.tasks.>",
  nodeTasks: (nodeId: string) => `swarm.node.${nodeId}.tasks.>`,
  nodeTask: (nodeId: string, taskId: string) => `swarm.node.${nodeId}.tasks.${taskId}`,
  nodeStatusAll: "swarm.node.*.status",
  nodeStatus: (nodeId: string) => `swarm.node.${nodeId}.status`,
  /**
   * Heartbeats: plain NATS (no stream), so that every dispatcher instance sees every beat. A lost
   * beat is harmless (three in a row make a node down); a stored one would only be stale.
   */
  nodeHeartbeatAll: "swarm.node.*.heartbeat",
  nodeHeartbeat: (nodeId: string) => `swarm.node.${nodeId}.heartbeat`,
  /** request/reply: an agent registers its session with a dispatcher. */
  dispatcherRegister: "swarm.rpc.dispatcher.register",
} as const;

/** The aggregate kind and id a `swarm.evt.<kind>.<id>` subject names. */
export function parseEventSubject(subject: string): { kind: string; id: string } | undefined {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== "swarm" || parts[1] !== "evt") return undefined;
  return { kind: parts[2]!, id: parts[3]! };
}
