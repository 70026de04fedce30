import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNatsCluster, type NatsClusterHandle } from "../../deploy/launcher/nats-cluster.js";
import { freePort, startNatsServer, type NatsServerHandle } from "../../deploy/launcher/nats-server.js";
import { eventually } from "./eventually.js";

/** A real nats-server on a free loopback port with a temp store; `cleanup()` stops it and removes the store. */
export async function testNats(): Promise<NatsServerHandle & { dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-nats-"));
  const h = await startNatsServer({ dataDir });
  return {
    ...h,
    dataDir,
    cleanup: async () => {
      await h.stop();
      if (!process.env.JETSWARM_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A real JetStream cluster of `size` nats-servers on free loopback ports with temp stores, with a
 * meta leader elected; `cleanup()` stops every server and removes the stores.
 */
export async function testNatsCluster(size = 3): Promise<NatsClusterHandle & { dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-natscluster-"));
  const ports: number[] = [];
  const clusterPorts: number[] = [];
  for (let i = 0; i < size; i++) { ports.push(await freePort()); clusterPorts.push(await freePort()); }
  const logDir = join(dataDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const c = await startNatsCluster({ natsDir: join(dataDir, "nats"), ports, clusterPorts, logDir });
  return {
    ...c,
    dataDir,
    cleanup: async () => {
      await c.stop();
      if (!process.env.JETSWARM_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Index (in the cluster's layout) of the server that leads `stream`, from the stream's cluster info. */
export async function streamLeader(c: NatsClusterHandle, nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const leader = (await jsm.streams.info(stream)).cluster?.leader;
  const i = c.layout.members.findIndex((m) => m.serverName === leader);
  if (i < 0) throw new Error(`${stream} has no leader yet (cluster info: ${String(leader)})`);
  return i;
}

/**
 * The stream's leader once one other than `old` (a killed server) is reported. While the cluster
 * elects, the stream info request may time out or name no leader (slower on a loaded machine): asked
 * again until `timeoutMs`.
 */
export async function newStreamLeader(c: NatsClusterHandle, nc: NatsConnection, stream: string, old: number, timeoutMs = 30_000): Promise<number> {
  return (await eventually(async () => {
    const i = await streamLeader(c, nc, stream).catch(() => undefined);
    return i !== undefined && i !== old ? i : undefined;
  }, { timeoutMs, what: `a new leader of ${stream} (the old one was server ${old})` }))!;
}
