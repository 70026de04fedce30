import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager, type StreamConfig, DiscardPolicy, RetentionPolicy, StorageType, JetStreamApiError, JetStreamApiCodes } from "@nats-io/jetstream";
import { STREAMS, subjects } from "../../schemas/index.js";

export type { NatsConnection };

export interface NatsOptions {
  /** Comma-separated server URLs. Default `nats://127.0.0.1:4222`. */
  url: string;
  /** Shown in the server's connection list. */
  name: string;
}

export async function connectNats(opts: NatsOptions): Promise<NatsConnection> {
  return connect({
    servers: opts.url.split(",").map((s) => s.trim()).filter(Boolean),
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
  });
}

const NS = 1_000_000;

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
      duplicate_window: 120_000 * NS,
    },
    {
      name: STREAMS.nodeTasks,
      subjects: [subjects.nodeTasksAll],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
      num_replicas: replicas,
      allow_direct: true,
      duplicate_window: 120_000 * NS,
    },
    {
      name: STREAMS.nodeStatus,
      subjects: [subjects.nodeStatusAll],
      storage: StorageType.File,
      retention: RetentionPolicy.Workqueue,
      discard: DiscardPolicy.Old,
      num_replicas: replicas,
      max_age: 3600_000 * NS,
    },
  ];
}

/** Creates the streams jetswarm needs when they are missing; leaves existing ones as they are. */
export async function ensureStreams(nc: NatsConnection, replicas = 1): Promise<JetStreamManager> {
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
  }
  return jsm;
}
