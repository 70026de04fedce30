import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager, type StreamConfig, DiscardPolicy, RetentionPolicy, StorageType, JetStreamApiError, JetStreamApiCodes } from "@nats-io/jetstream";
import { natsTlsFromEnv, type NatsTls } from "./tls.js";
import { NODE_TASK_SHARD_IDS, NS_PER_MS, STREAMS, nodeTasksStream, subjects } from "../../../schemas/index.js";

export type { NatsConnection };

export interface NatsOptions {
  /** Comma-separated server URLs. Default `nats://127.0.0.1:4222`. */
  url: string;
  /** Shown in the server's connection list. */
  name: string;
  /**
   * This process's identity on the bus (mutual TLS, DESIGN §6). Default: read from the
   * environment (`natsTlsFromEnv`); none there = plaintext (a test's own plain nats-server).
   */
  tls?: NatsTls;
  /**
   * Prefix of this connection's reply subjects (`<prefix>.<nuid>`). A worker's permissions allow
   * replies only on `_INBOX_<nodeId>.>`. Default `_INBOX`.
   */
  inboxPrefix?: string;
  /**
   * Keep reconnecting after refused logins (nats.js gives up after two in a row). An agent's login
   * is decided by the auth callout, which is refused while its service is still reconnecting after
   * a bus restart: giving up there would leave the node silent for longer than its heartbeat
   * window. The caller decides when refusals mean "removed" (`refusedFor`).
   */
  retryRefusedLogins?: boolean;
}

export async function connectNats(opts: NatsOptions): Promise<NatsConnection> {
  const tls = opts.tls ?? natsTlsFromEnv();
  return connect({
    servers: opts.url.split(",").map((s) => s.trim()).filter(Boolean),
    name: opts.name,
    ...(tls ? { tls: { certFile: tls.cert, keyFile: tls.key, caFile: tls.ca } } : {}),
    ...(opts.inboxPrefix ? { inboxPrefix: opts.inboxPrefix } : {}),
    ...(opts.retryRefusedLogins ? { ignoreAuthErrorAbort: true } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    // nats.js otherwise builds an Error (with a stack) for every request and publish, in case it
    // times out: measurable CPU on hot paths (one JetStream publish per event). Errors still carry
    // their message and cause.
    noAsyncTraces: true,
  });
}

/**
 * Pull options of every long-lived consumer: a pull expires after 5 s and the server heartbeats
 * every 2.5 s, so a consumer whose server died (or whose stream changed leader) is noticed after
 * two missed heartbeats — 5 s instead of nats.js' default 30 s — and re-pulled (an ordered
 * consumer is re-created from the last sequence it delivered).
 */
export const FOLLOW_PULL = { expires: 5000, idle_heartbeat: 2500 } as const;

/** Stream definitions (DESIGN §3). `replicas` is 1 on one machine, 3 on a NATS cluster. */
export function streamConfigs(replicas: number): (Partial<StreamConfig> & { name: string })[] {
  return [
    {
      name: STREAMS.events,
      subjects: [subjects.eventsAll],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: replicas,
      deny_delete: true,
      deny_purge: true,
      allow_direct: true,
      duplicate_window: 120_000 * NS_PER_MS,
    },
    ...NODE_TASK_SHARD_IDS.map((shard) => ({
      name: nodeTasksStream(shard),
      subjects: [subjects.nodeTasksShard(shard)],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
      num_replicas: replicas,
      allow_direct: true,
      duplicate_window: 120_000 * NS_PER_MS,
    })),
    {
      name: STREAMS.nodeStatus,
      subjects: [subjects.nodeStatusAll],
      storage: StorageType.File,
      retention: RetentionPolicy.Workqueue,
      discard: DiscardPolicy.Old,
      num_replicas: replicas,
      max_age: 3600_000 * NS_PER_MS,
    },
    {
      // Each network's map for the agents (schemas/netmap.ts): the last one per network.
      name: STREAMS.netMaps,
      subjects: [subjects.netMapAll],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
      num_replicas: replicas,
      allow_direct: true,
    },
  ];
}

/** "no suitable peers for placement": a cluster whose servers have not all joined JetStream yet. */
const NO_SUITABLE_PEERS = 10005;

/**
 * Runs `fn` again while JetStream is not answering (no responders, timeouts, 503s: a cluster that
 * is starting or electing a leader; an R3 stream before three servers have joined), for up to
 * `forMs`; other errors are thrown at once.
 */
export async function whileJetStreamStarts<T>(fn: () => Promise<T>, forMs = 30_000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const transient = !(err instanceof JetStreamApiError) || err.status >= 500 || err.code === NO_SUITABLE_PEERS;
      if (!transient || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1000)));
    }
  }
}

/** Creates the streams jetswarm needs when they are missing; leaves existing ones as they are. */
export async function ensureStreams(nc: NatsConnection, replicas = 1): Promise<JetStreamManager> {
  return whileJetStreamStarts(() => ensureStreamsOnce(nc, replicas));
}

async function ensureStreamsOnce(nc: NatsConnection, replicas: number): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  for (const cfg of streamConfigs(replicas)) {
    try {
      await jsm.streams.info(cfg.name);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
      try {
        await jsm.streams.add(cfg);
      } catch (addErr) {
        // Another process created it between our look and our add: that is fine.
        await jsm.streams.info(cfg.name).catch(() => { throw addErr; });
      }
    }
    await hasLeader(jsm, cfg.name);
  }
  return jsm;
}

/**
 * Throws (a transient error, for `whileJetStreamStarts`) until a replicated stream has elected its
 * leader: a stream created a moment ago answers nothing else until then.
 */
export async function hasLeader(jsm: JetStreamManager, stream: string): Promise<void> {
  const info = await jsm.streams.info(stream);
  if (info.config.num_replicas > 1 && !info.cluster?.leader) throw new Error(`stream ${stream} has no leader yet`);
}
