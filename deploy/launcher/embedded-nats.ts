import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { consecutive } from "./nats-cluster-config.js";
import { readClusterFile, startNatsCluster, type NatsClusterHandle } from "./nats-cluster.js";
import { startNatsServer, type NatsServerHandle } from "./nats-server.js";

export async function assertPortFree(port: number, what: string, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = createServer();
    s.once("error", () => reject(new Error(`port ${port} for ${what} is already in use: choose another with ${flag}`)));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve()));
  });
}

export interface EmbeddedNatsOptions {
  /** `<data dir>/nats`. */
  natsDir: string;
  logDir: string;
  /** Client port of the (first) server. */
  port: number;
  /** Servers wanted; undefined = what the data dir already holds, else 1. */
  size?: number;
  /** Route port of the first server of a cluster. */
  clusterPort: number;
}

export interface EmbeddedNats {
  /** Comma-separated client URLs. */
  url: string;
  /** Stream and bucket replicas that fit: 1 for one server, 3 for three or more. */
  replicas: number;
  nats?: NatsServerHandle;
  natsCluster?: NatsClusterHandle;
  stop(): Promise<void>;
}

/**
 * The size a data dir's NATS must have: the flag, else what the data dir recorded. A data dir
 * never changes shape (one server's store and a cluster's stores live in different places, and
 * moving between them would silently start an empty log).
 */
export function resolveSize(natsDir: string, wanted: number | undefined): number {
  const recorded = readClusterFile(natsDir)?.size;
  const single = existsSync(join(natsDir, "jetstream"));
  const size = wanted ?? recorded ?? 1;
  if (recorded !== undefined && recorded !== size) {
    throw new Error(`${natsDir} holds a ${recorded}-server NATS cluster: start it with --nats-cluster ${recorded} (or use another --data-dir)`);
  }
  if (recorded === undefined && single && size > 1) {
    throw new Error(`${natsDir} holds a single nats-server's data: --nats-cluster ${size} needs a new --data-dir`);
  }
  return size;
}

/** Starts the embedded NATS of `swarm up`: one server, or an N-server cluster on loopback. */
export async function startEmbeddedNats(opts: EmbeddedNatsOptions): Promise<EmbeddedNats> {
  const size = resolveSize(opts.natsDir, opts.size);
  if (size < 1 || size > 5) throw new Error(`--nats-cluster ${size}: expected 1 to 5 servers`);
  for (let i = 0; i < size; i++) {
    await assertPortFree(opts.port + i, size > 1 ? `nats-server ${i + 1} of ${size} (--nats-port + ${i})` : "nats-server", "--nats-port");
  }
  if (size === 1) {
    const nats = await startNatsServer({ dataDir: opts.natsDir, port: opts.port, logFile: join(opts.logDir, "nats-server.log") });
    return { url: nats.url, replicas: 1, nats, stop: () => nats.stop() };
  }
  for (let i = 0; i < size; i++) {
    await assertPortFree(opts.clusterPort + i, `the route port of nats-server ${i + 1} of ${size} (--nats-cluster-port + ${i})`, "--nats-cluster-port");
  }
  const natsCluster = await startNatsCluster({
    natsDir: opts.natsDir, ports: consecutive(opts.port, size), clusterPorts: consecutive(opts.clusterPort, size), logDir: opts.logDir,
  });
  return { url: natsCluster.url, replicas: Math.min(size, 3), natsCluster, stop: () => natsCluster.stop() };
}
