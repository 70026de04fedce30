import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { clientUrls, loopbackLayout, memberConfig, type ClusterLayout } from "./nats-cluster-config.js";
import type { NatsTls } from "../../services/shared/nats/index.js";
import { startNatsServer, type NatsServerHandle } from "./nats-server.js";

export interface NatsClusterOptions {
  /** Directory of the cluster: `n<i>/` per server (config and JetStream store), `cluster.json`. */
  natsDir: string;
  /** Client port of each server (their number is the cluster's size). */
  ports: number[];
  /** Route port of each server. */
  clusterPorts: number[];
  /** Directory of the servers' log files (`nats-server-<i>.log`). */
  logDir: string;
  /** How long to wait for a JetStream meta leader. Default 30 000 ms. */
  readyTimeoutMs?: number;
}

export interface NatsClusterHandle {
  layout: ClusterLayout;
  /** Comma-separated client URLs of every server. */
  url: string;
  /** The running server of each member, by index (replaced by `restart`). */
  servers: NatsServerHandle[];
  /** Starts member `index` again with the same config and store (after a kill). */
  restart(index: number): Promise<NatsServerHandle>;
  stop(): Promise<void>;
}

/** What a data dir records about its NATS, so that the next `swarm up` resumes the same shape. */
export interface ClusterFile { size: number }

export function readClusterFile(natsDir: string): ClusterFile | undefined {
  const f = join(natsDir, "cluster.json");
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as ClusterFile) : undefined;
}

/** One member of a loopback cluster as written to disk: its directory (store), config, port, log. */
export interface ClusterMember { dataDir: string; configFile: string; port: number; logFile: string }

/**
 * Writes the cluster's layout (`cluster.json`, each member's `n<i>/nats.conf`) and returns how to
 * start each member: the same config and store every time, so a member that died is restarted as
 * itself.
 */
export function writeClusterConfig(opts: Pick<NatsClusterOptions, "natsDir" | "ports" | "clusterPorts" | "logDir"> & { security?: string }): { layout: ClusterLayout; members: ClusterMember[] } {
  const layout = loopbackLayout(opts.ports, opts.clusterPorts, opts.natsDir);
  mkdirSync(opts.natsDir, { recursive: true });
  writeFileSync(join(opts.natsDir, "cluster.json"), JSON.stringify({ size: layout.members.length } satisfies ClusterFile) + "\n");
  const members = layout.members.map((m, i) => {
    const dir = join(opts.natsDir, `n${i + 1}`);
    mkdirSync(dir, { recursive: true });
    const configFile = join(dir, "nats.conf");
    writeFileSync(configFile, memberConfig(layout, i, opts.security));
    return { dataDir: dir, configFile, port: m.port, logFile: join(opts.logDir, `nats-server-${i + 1}.log`) };
  });
  return { layout, members };
}

/** Starts (or resumes, on the same directory) an N-server JetStream cluster on loopback. */
export async function startNatsCluster(opts: NatsClusterOptions): Promise<NatsClusterHandle> {
  const { layout, members } = writeClusterConfig(opts);
  const size = layout.members.length;
  const startMember = (i: number) => startNatsServer(members[i]!);
  const servers: NatsServerHandle[] = [];
  const stop = async () => { await Promise.all(servers.map((s) => s.stop())); };
  try {
    for (let i = 0; i < size; i++) servers.push(await startMember(i));
    const url = clientUrls(layout);
    await waitForMetaLeader(url, opts.readyTimeoutMs ?? 30_000);
    return {
      layout, url, servers, stop,
      restart: async (i) => {
        await servers[i]?.stop();
        servers[i] = await startMember(i);
        return servers[i]!;
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Resolves once JetStream answers an account-info request (which needs an elected meta leader)
 * through every server of the cluster, each asked on its own connection: a process may connect
 * to any of them.
 */
export async function waitForMetaLeader(url: string, timeoutMs: number, tls?: NatsTls): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const server of url.split(",")) {
    const nc = await connect({
      servers: server, maxReconnectAttempts: -1, reconnectTimeWait: 250,
      ...(tls ? { tls: { certFile: tls.cert, keyFile: tls.key, caFile: tls.ca } } : {}),
    });
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2000, checkAPI: false });
      for (;;) {
        try {
          await jsm.getAccountInfo();
          break;
        } catch (err) {
          if (Date.now() > deadline) {
            throw new Error(`the NATS cluster (${url}) has no JetStream leader answering through ${server} after ${timeoutMs / 1000} s (see the nats-server logs)`, { cause: err });
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      await nc.close();
    }
  }
}
