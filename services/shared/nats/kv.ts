import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { STREAMS } from "../../../schemas/index.js";
import { hasLeader, whileJetStreamStarts } from "./nats.js";

/**
 * Opens (creating if missing) a KV bucket; an existing bucket is used as it is. A new bucket gets
 * `replicas`, else as many replicas as the `EVENTS` stream has (every process ensures the streams
 * before it opens a bucket), so that no bucket of a NATS cluster is left on one server.
 */
export function ensureBucket(nc: NatsConnection, name: string, opts: { ttlMs: number; replicas?: number }): Promise<KV> {
  return whileJetStreamStarts(() => ensureBucketOnce(nc, name, opts));
}

async function ensureBucketOnce(nc: NatsConnection, name: string, opts: { ttlMs: number; replicas?: number }): Promise<KV> {
  const jsm = await jetstreamManager(nc);
  const kvm = new Kvm(nc);
  const exists = () => jsm.streams.info(`KV_${name}`).then(() => true, () => false);
  let kv: KV;
  if (await exists()) {
    kv = await kvm.open(name);
  } else {
    const replicas = opts.replicas ?? (await jsm.streams.info(STREAMS.events).then((i) => i.config.num_replicas, () => 1));
    try {
      kv = await kvm.create(name, { ttl: opts.ttlMs, history: 1, replicas });
    } catch (err) {
      // Another process created it between our look and our create.
      if (!(await exists())) throw err;
      kv = await kvm.open(name);
    }
  }
  await hasLeader(jsm, `KV_${name}`);
  return kv;
}
