import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import type { NatsTls } from "../../services/shared/nats/index.js";
import { securityConfig, singleServerConfig, type ServerTlsFiles } from "./nats-security.js";
import { clientUrls, consecutive } from "./nats-cluster-config.js";
import { readClusterFile, waitForMetaLeader, writeClusterConfig } from "./nats-cluster.js";
import { findNatsServer, natsServerArgs, waitForPort } from "./nats-server.js";
import type { Backoff, Supervisor } from "./supervisor.js";

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
  /**
   * Mutual TLS and per-identity users (DESIGN §6): the server's certificate and the launcher's
   * own client identity (to wait for a cluster's leader). None = plaintext (`--insecure`).
   */
  tls?: { server: ServerTlsFiles; client: NatsTls; calloutIssuer: string };
}

export interface EmbeddedNats {
  /** Comma-separated client URLs. */
  url: string;
  /** Stream and bucket replicas that fit: 1 for one server, 3 for three or more. */
  replicas: number;
  /** The supervised processes, one per server: `nats-server`, or `nats-server-<i>` (1-based). */
  processes: string[];
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

/**
 * nats-server's restart back-off: 0.5 s doubling to 10 s, reset after 30 s up. Its store is on
 * disk, so a restarted server has every acknowledged event; the services reconnect by themselves.
 */
export const NATS_BACKOFF: Backoff = { firstMs: 500, maxMs: 10_000, healthyMs: 30_000 };

/**
 * Starts the embedded NATS of `swarm up` under `supervisor` (which restarts a server that dies,
 * with its own store and ports, and stops them last): one server, or an N-server cluster on
 * loopback. Resolves once every server listens (and a cluster has a JetStream meta leader).
 */
export async function startEmbeddedNats(opts: EmbeddedNatsOptions, supervisor: Supervisor): Promise<EmbeddedNats> {
  const size = resolveSize(opts.natsDir, opts.size);
  if (size < 1 || size > 5) throw new Error(`--nats-cluster ${size}: expected 1 to 5 servers`);
  for (let i = 0; i < size; i++) {
    await assertPortFree(opts.port + i, size > 1 ? `nats-server ${i + 1} of ${size} (--nats-port + ${i})` : "nats-server", "--nats-port");
  }
  if (size === 1) {
    const logFile = join(opts.logDir, "nats-server.log");
    await supervise(supervisor, "nats-server", { dataDir: opts.natsDir, port: opts.port, logFile, ...singleConfig(opts) });
    return { url: `nats://127.0.0.1:${opts.port}`, replicas: 1, processes: ["nats-server"] };
  }
  for (let i = 0; i < size; i++) {
    await assertPortFree(opts.clusterPort + i, `the route port of nats-server ${i + 1} of ${size} (--nats-cluster-port + ${i})`, "--nats-cluster-port");
  }
  const { layout, members } = writeClusterConfig({
    natsDir: opts.natsDir, ports: consecutive(opts.port, size), clusterPorts: consecutive(opts.clusterPort, size), logDir: opts.logDir,
    ...(opts.tls ? { security: securityConfig(opts.tls.server, { calloutIssuer: opts.tls.calloutIssuer }) } : {}),
  });
  const processes = members.map((_, i) => `nats-server-${i + 1}`);
  for (const [i, m] of members.entries()) await supervise(supervisor, processes[i]!, m); // one at a time, as startNatsCluster
  const url = clientUrls(layout);
  await waitForMetaLeader(url, 30_000, opts.tls?.client);
  return { url, replicas: Math.min(size, 3), processes };
}

/**
 * A secured single server reads a config file (`<natsDir>/nats.conf`, rewritten on every start)
 * with the same name, address and store the plaintext one gets as flags.
 */
function singleConfig(opts: EmbeddedNatsOptions): { configFile?: string } {
  if (!opts.tls) return {};
  const configFile = join(opts.natsDir, "nats.conf");
  mkdirSync(opts.natsDir, { recursive: true });
  writeFileSync(configFile, singleServerConfig({
    serverName: `jetswarm-${opts.port}`, host: "127.0.0.1", port: opts.port, storeDir: resolve(opts.natsDir, "jetstream"), tls: opts.tls.server, calloutIssuer: opts.tls.calloutIssuer,
  }));
  return { configFile };
}

/** Starts one supervised nats-server and waits until it listens (an exit before that is an error). */
async function supervise(supervisor: Supervisor, name: string, m: { dataDir: string; port: number; logFile: string; configFile?: string }): Promise<void> {
  supervisor.start({ name, command: findNatsServer(), args: natsServerArgs(m), env: {}, logFile: m.logFile, backoff: NATS_BACKOFF });
  await waitForPort(m.port, 10_000, () => (supervisor.get(name)?.restarts ?? 0) > 0).catch((err: unknown) => {
    throw new Error(`${name} did not start (see ${m.logFile})`, { cause: err });
  });
}
