import type { AggregateKind } from "./events/index.js";

/** Subject, stream, bucket and consumer names: the one place they are spelled. */
export const STREAMS = {
  events: "EVENTS",
  nodeStatus: "NODE_STATUS",
  /** One message per network: its map for the agents (schemas/netmap.ts), written by the allocator. */
  netMaps: "NETWORK_MAPS",
} as const;

/*
 * The per-node task streams are sharded: NODE_TASKS_00 … NODE_TASKS_15, a node's docs in the shard
 * its id hashes to. An agent follows its own tasks with a wildcard filter, and nats-server 2.10
 * finds the next message of a wildcard filter by scanning the stream's messages one by one: with
 * one stream, each of a thousand agents' consumers scanned every other node's docs (half of the
 * server's CPU in the scale benchmark); a shard holds a sixteenth of them. The shard function is
 * part of the protocol (FNV-1a of the node id).
 */
export const NODE_TASK_SHARDS = 16;

/** The shard (`00`…`15`) of a node's task docs. */
export function nodeTaskShard(nodeId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < nodeId.length; i++) h = Math.imul(h ^ nodeId.charCodeAt(i), 0x01000193);
  return String((h >>> 0) % NODE_TASK_SHARDS).padStart(2, "0");
}

/** The task stream of one shard, and of a node. */
export function nodeTasksStream(shard: string): string {
  return `NODE_TASKS_${shard}`;
}
export function nodeTasksStreamOf(nodeId: string): string {
  return nodeTasksStream(nodeTaskShard(nodeId));
}
/** Every shard's id, in order. */
export const NODE_TASK_SHARD_IDS: readonly string[] = Array.from({ length: NODE_TASK_SHARDS }, (_, i) => String(i).padStart(2, "0"));

export const BUCKETS = {
  members: "swarm-members",
  snapshots: "swarm-snapshots",
  /** Singleton leases, `lease.<service>` (DESIGN §5); the bucket's TTL is the lease TTL. */
  leases: "swarm-leases",
  /** Encrypted secret and config payloads (`<kind>.<id>.<version>`): only the secret-store touches it. */
  secrets: "swarm-secrets",
} as const;


export const subjects = {
  eventsAll: "swarm.evt.>",
  event: (kind: AggregateKind, id: string) => `swarm.evt.${kind}.${id}`,
  /** Task docs: `swarm.tasks.<shard>.<nodeId>.<taskId>`, one message kept per subject. */
  nodeTasksAll: "swarm.tasks.>",
  nodeTasksShard: (shard: string) => `swarm.tasks.${shard}.>`,
  nodeTasks: (nodeId: string) => `swarm.tasks.${nodeTaskShard(nodeId)}.${nodeId}.>`,
  nodeTask: (nodeId: string, taskId: string) => `swarm.tasks.${nodeTaskShard(nodeId)}.${nodeId}.${taskId}`,
  nodeStatusAll: "swarm.node.*.status",
  nodeStatus: (nodeId: string) => `swarm.node.${nodeId}.status`,
  /**
   * Heartbeats: plain NATS (no stream), so that every dispatcher instance sees every beat. A lost
   * beat is harmless (three in a row make a node down); a stored one would only be stale.
   */
  nodeHeartbeatAll: "swarm.node.*.heartbeat",
  nodeHeartbeat: (nodeId: string) => `swarm.node.${nodeId}.heartbeat`,
  /** request/reply: is this lease holder still there? ("no responders" = its connection is gone) */
  leaseProbe: (service: string, holder: string) => `swarm.rpc.lease.${service}.${holder}`,
  /** request/reply: an agent registers its session with a dispatcher. */
  dispatcherRegister: "swarm.rpc.dispatcher.register",
  /** The same, one subject per node: a worker's identity may ask only on its own (DESIGN §6). */
  dispatcherRegisterOf: (nodeId: string) => `swarm.rpc.dispatcher.register.${nodeId}`,
  dispatcherRegisterAll: "swarm.rpc.dispatcher.register.*",
  /** request/reply to the secret-store (api → secret-store): store, delete, read a config. */
  secretStorePut: "swarm.rpc.secret-store.put",
  secretStoreDelete: "swarm.rpc.secret-store.delete",
  secretStoreRead: "swarm.rpc.secret-store.read",
  /** request/reply (api → secret-store): the join tokens of given generations; a node's certificate from its CSR. */
  secretStoreJoinTokens: "swarm.rpc.secret-store.join-tokens",
  secretStoreSignNode: "swarm.rpc.secret-store.sign-node",
  /** request/reply (api → secret-store): the cluster's keys, sealed to a joining manager's ephemeral key. */
  secretStoreHandover: "swarm.rpc.secret-store.handover",
  /** request/reply (api → the secret-stores of one manager's keys dir): autolock's status, unlock, unlock key. */
  secretStoreKeyring: (keyringId: string, op: "status" | "unlock" | "unlock-key" | "sibling") => `swarm.rpc.secret-store.keyring.${keyringId}.${op}`,
  /** request/many replies (api → every secret-store): wrap, rewrap or unwrap the keys at rest. */
  secretStoreRekey: "swarm.rpc.secret-store.rekey",
  /** request/reply: an agent asks for the secrets and configs of one of its tasks (one subject per node). */
  secretsOfNode: (nodeId: string) => `swarm.rpc.secrets.${nodeId}`,
  secretsAll: "swarm.rpc.secrets.*",
  /** A network's map (stream NETWORK_MAPS, last one kept), and its change announcement (plain NATS, body `{ seq }`). */
  netMapAll: "swarm.netmap.*",
  netMap: (networkId: string) => `swarm.netmap.${networkId}`,
  netMapChangedAll: "swarm.netmapchg.*",
  netMapChanged: (networkId: string) => `swarm.netmapchg.${networkId}`,
  /** request/reply (api → secret-store): a new root CA and its cross-signed intermediate (`swarm ca --rotate`). */
  secretStoreRotateCa: "swarm.rpc.secret-store.rotate-ca",
  /** request/reply: an agent renews its node's certificate (one subject per node: the subject is who asks). */
  certRenewOf: (nodeId: string) => `swarm.rpc.certs.renew.${nodeId}`,
  certRenewAll: "swarm.rpc.certs.renew.*",
  /** request/reply (api → agent): a task's container log lines, in chunks (schemas/logs-rpc.ts); one subject per node. */
  logsOfNode: (nodeId: string) => `swarm.rpc.logs.${nodeId}`,
  logsAll: "swarm.rpc.logs.*",
  /** request/reply (api → agent): a classic container's signal and process list (schemas/containers-rpc.ts); one subject per node. */
  containersOfNode: (nodeId: string) => `swarm.rpc.containers.${nodeId}`,
  containersAll: "swarm.rpc.containers.*",
} as const;

/** The aggregate kind and id a `swarm.evt.<kind>.<id>` subject names. */
export function parseEventSubject(subject: string): { kind: string; id: string } | undefined {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== "swarm" || parts[1] !== "evt") return undefined;
  return { kind: parts[2]!, id: parts[3]! };
}
