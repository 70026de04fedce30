import { BUCKETS, STREAMS, nodeTasksStreamOf, subjects } from "./subjects.js";

/*
 * Who may publish and subscribe what on the bus (DESIGN §6, "The bus"): one entry per static
 * identity of the control plane. Each process connects with a certificate whose CN is the
 * identity's name (`svc-<service>`); nats-server maps the certificate to the user of that name
 * (`verify_and_map`) and enforces these lists. Worker nodes are not here: the auth callout gives
 * each node a user of its own with only that node's subjects (`nodePermissions`).
 *
 * The lists are as tight as the services' use allows: the JetStream API is one subject space for
 * every stream, so what keeps a service off another's data is the denial of what it must never
 * do (delete or purge a stream, erase a message, read the secret-store's ciphertexts).
 */

export interface SubjectPermission {
  allow?: string[];
  deny?: string[];
}

export interface BusPermissions {
  publish: SubjectPermission;
  subscribe: SubjectPermission;
  /** May answer requests whatever the reply subject (an rpc server; workers reply-to `_INBOX_<node>.…`). */
  allowResponses?: boolean;
}

const SECRETS_STREAM = `KV_${BUCKETS.secrets}`;

/** The api's audit checkpoints (services/api/shell/log-reader/audit-chain.ts). */
const AUDIT_BUCKET = "swarm-audit";

/** JetStream API requests every identity but the secret-store's is refused. */
const NEVER = [
  // The log is append-only; no stream is dropped, no message erased, and only the snapshot
  // bucket (a cache whose old generations are purged by its writers) is ever emptied.
  "$JS.API.STREAM.DELETE.>", "$JS.API.STREAM.MSG.DELETE.>",
  ...[STREAMS.events, STREAMS.nodeStatus, "NODE_TASKS_*", `KV_${BUCKETS.members}`, `KV_${BUCKETS.leases}`, `KV_${AUDIT_BUCKET}`]
    .map((stream) => `$JS.API.STREAM.PURGE.${stream}`),
  // The secret-store's ciphertexts (every API request names the stream in its 3rd or 4th token).
  `$KV.${BUCKETS.secrets}.>`, `$JS.API.*.${SECRETS_STREAM}`, `$JS.API.*.*.${SECRETS_STREAM}`, `$JS.API.*.*.${SECRETS_STREAM}.>`,
  `$JS.API.*.*.*.${SECRETS_STREAM}`,
];

/** What every control-plane process does: the JetStream API, acks, its KV buckets, lease probes. */
const CONTROL_PLANE_PUB = [
  "$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "_INBOX.>",
  `$KV.${BUCKETS.members}.>`, `$KV.${BUCKETS.leases}.>`, `$KV.${BUCKETS.snapshots}.>`,
  "swarm.rpc.lease.>",
];
const CONTROL_PLANE_SUB = ["_INBOX.>", "swarm.rpc.lease.>"];

function controlPlane(extra: { pub?: string[]; sub?: string[]; deny?: string[]; allowResponses?: boolean }): BusPermissions {
  return {
    publish: { allow: [...CONTROL_PLANE_PUB, ...(extra.pub ?? [])], deny: extra.deny ?? NEVER },
    subscribe: { allow: [...CONTROL_PLANE_SUB, ...(extra.sub ?? [])] },
    ...(extra.allowResponses ? { allowResponses: true } : {}),
  };
}

/** The static identities of the control plane, by certificate CN. */
export const BUS_IDENTITIES = {
  /** Appends users' events; calls the secret-store; seals the audit chain's checkpoints. */
  "svc-api": controlPlane({ pub: [subjects.eventsAll, "swarm.rpc.secret-store.>", `$KV.${AUDIT_BUCKET}.>`, subjects.logsAll, subjects.containersAll] }),
  "svc-orchestrator": controlPlane({ pub: [subjects.eventsAll] }),
  "svc-scheduler": controlPlane({ pub: [subjects.eventsAll] }),
  /** Appends its allocations; writes and announces the networks' maps. */
  "svc-allocator": controlPlane({ pub: [subjects.eventsAll, subjects.netMapAll, subjects.netMapChangedAll] }),
  /** Writes the per-node task docs, hears heartbeats, serves registration. */
  "svc-dispatcher": controlPlane({
    pub: [subjects.eventsAll, subjects.nodeTasksAll],
    sub: [subjects.nodeHeartbeatAll, subjects.dispatcherRegister, subjects.dispatcherRegisterAll],
    allowResponses: true,
  }),
  /** The keys' owner: its own bucket, its rpc, the auth callout. */
  "svc-secret-store": controlPlane({
    // Asks the running siblings of its keys dir for the unlock key (autolock) at its start.
    pub: [subjects.eventsAll, `$KV.${BUCKETS.secrets}.>`, subjects.secretStoreKeyring("*", "sibling")],
    sub: ["swarm.rpc.secret-store.>", subjects.secretsAll, subjects.certRenewAll, "$SYS.REQ.USER.AUTH"],
    deny: NEVER.filter((s) => !s.includes(SECRETS_STREAM) && !s.includes(BUCKETS.secrets)),
    allowResponses: true,
  }),
  /** The launcher's supervisor: follows the log (reads only; appends nothing). */
  "svc-supervisor": controlPlane({}),
  /**
   * Agents without a node certificate of their own (until the auth callout admits each node
   * under its own name): any node's reports, heartbeats and rpc, nothing of the control plane's.
   */
  "svc-agent": {
    publish: {
      allow: ["$JS.API.>", "$JS.ACK.>", "$JS.FC.>", "_INBOX.>", subjects.nodeStatusAll, subjects.nodeHeartbeatAll,
        subjects.dispatcherRegister, subjects.dispatcherRegisterAll, subjects.secretsAll],
      deny: [...NEVER, `$JS.API.*.*.${STREAMS.events}`, `$JS.API.*.*.${STREAMS.events}.>`, "$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.UPDATE.>"],
    },
    // Agents reply under `_INBOX_<node>` (a prefix a wildcard cannot name): anything but the bus's own
    // spaces, except the logs rpc they serve (answered as responses: `allowResponses`) and the
    // networks' change announcements.
    subscribe: { allow: [">"], deny: ["swarm.evt.>", "swarm.tasks.>", "swarm.node.>", "swarm.rpc.dispatcher.>", "swarm.rpc.secret-store.>",
      "swarm.rpc.secrets.>", "swarm.rpc.lease.>", "swarm.rpc.certs.>", "swarm.netmap.>", "$JS.>", "$KV.>", "$SYS.>", "_INBOX.>"] },
    allowResponses: true,
  },
  /** Operators and tests on a manager (the key sits beside the CA's): everything. */
  admin: { publish: { allow: [">"] }, subscribe: { allow: [">"] }, allowResponses: true },
} as const satisfies Record<string, BusPermissions>;

export type BusIdentity = keyof typeof BUS_IDENTITIES;

/** The identity a control-plane service connects as. */
export function serviceIdentity(service: string): BusIdentity {
  const id = `svc-${service}`;
  if (!(id in BUS_IDENTITIES)) throw new Error(`no bus identity for service ${service} (add svc-${service} to schemas/bus-permissions.ts)`);
  return id as BusIdentity;
}

/**
 * Identities of NATS's system account (`$SYS` requests): the secret-store's second connection,
 * which closes a removed node's live connections (`$SYS.REQ.SERVER.<id>.KICK`).
 */
export const SYSTEM_IDENTITIES = ["sys-secret-store"] as const;

/** The name of a node's task consumer: the only consumer its identity may create. */
export function agentConsumer(nodeId: string): string {
  return `agent-${nodeId}`;
}

/** The reply-subject prefix of a node's connection (nats.js `inboxPrefix`). */
export function nodeInbox(nodeId: string): string {
  return `_INBOX_${nodeId}`;
}

/**
 * What a worker node may do on the bus, and nothing else (DESIGN §6): its named consumer on its
 * shard of the task streams, with its own filter (the server refuses a create whose body names
 * another filter or name than the subject's); its own reports, heartbeats and rpc subjects (its
 * certificate's renewal among them); replies on its own inbox; it serves its own logs and containers subjects,
 * answering each request once (`allowResponses`: the reply subject is the asker's inbox, which the
 * node may not publish to otherwise); it reads the networks' maps. Granted per connection by the
 * auth callout.
 */
export function nodePermissions(nodeId: string): BusPermissions {
  const stream = nodeTasksStreamOf(nodeId);
  const consumer = agentConsumer(nodeId);
  return {
    publish: {
      allow: [
        `$JS.API.CONSUMER.CREATE.${stream}.${consumer}.${subjects.nodeTasks(nodeId)}`,
        `$JS.API.CONSUMER.INFO.${stream}.${consumer}`,
        `$JS.API.CONSUMER.DELETE.${stream}.${consumer}`,
        `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
        `$JS.ACK.${stream}.${consumer}.>`,
        subjects.nodeStatus(nodeId), subjects.nodeHeartbeat(nodeId),
        subjects.dispatcherRegisterOf(nodeId), subjects.secretsOfNode(nodeId),
        // The networks' maps: read with a direct get (last message of a subject), nothing else of the stream.
        `$JS.API.DIRECT.GET.${STREAMS.netMaps}`, `$JS.API.DIRECT.GET.${STREAMS.netMaps}.>`,
        subjects.certRenewOf(nodeId),
      ],
    },
    subscribe: { allow: [`${nodeInbox(nodeId)}.>`, subjects.logsOfNode(nodeId), subjects.containersOfNode(nodeId), subjects.netMapChangedAll] },
    allowResponses: true,
  };
}

/**
 * The connection name of a node's renewal-only login: a node whose certificate no longer says its
 * role (promoted or demoted: the callout refuses it otherwise) may log in under this name to ask
 * for its new certificate, and for nothing else (`renewalPermissions`).
 */
export function certRenewalConnectionName(nodeId: string): string {
  return `cert-renewal-${nodeId}`;
}

/** What a renewal-only login may do: ask for its own node's certificate, hear the answer. */
export function renewalPermissions(nodeId: string): BusPermissions {
  return { publish: { allow: [subjects.certRenewOf(nodeId)] }, subscribe: { allow: [`${nodeInbox(nodeId)}.>`] } };
}
