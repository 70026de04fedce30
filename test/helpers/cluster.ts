import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Docker from "dockerode";
import { startLocalCluster, type LocalCluster } from "../../deploy/launcher/local-cluster.js";
import { freePort } from "../../deploy/launcher/nats-server.js";

const run = promisify(execFile);
export const docker = new Docker();
export const IMAGE = "jetswarm-test/busybox:1";
export const IMAGE2 = "jetswarm-test/busybox:2";
const CLI = fileURLToPath(new URL("../../cli/main.js", import.meta.url));

export interface TestCluster extends LocalCluster {
  /** Runs the `swarm` CLI against this cluster; resolves with stdout (rejects on non-zero exit). */
  swarm(...args: string[]): Promise<string>;
  /** Raw api GET, parsed. */
  get<T>(path: string): Promise<T>;
  /** Containers of this cluster's node (all states). */
  containers(filter?: { running?: boolean; service?: string }): Promise<Docker.ContainerInfo[]>;
  cleanup(): Promise<void>;
}

/** The whole stack as separate processes (nats-server, control plane, agent) on free ports and a temp dir. */
export async function startTestCluster(name: string): Promise<TestCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), `jetswarm-${name}-`));
  const c = await startLocalCluster({
    dataDir, natsPort: await freePort(), apiPort: await freePort(), nodeName: `test-${name}`,
  });
  const containers = async (filter: { running?: boolean; service?: string } = {}) => {
    const labels = [`jetswarm.node.id=${c.nodeId}`];
    if (filter.service) labels.push(`jetswarm.service.name=${filter.service}`);
    const list = await docker.listContainers({ all: true, filters: { label: labels } });
    return filter.running ? list.filter((x) => x.State === "running") : list;
  };
  return {
    ...c,
    swarm: async (...args) => (await run(process.execPath, [CLI, "--host", c.apiUrl, ...args], { timeout: 120_000 })).stdout,
    get: async <T>(path: string) => {
      const res = await fetch(`${c.apiUrl}${path}`);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    containers,
    cleanup: async () => {
      await c.stop();
      for (const info of await containers()) await docker.getContainer(info.Id).remove({ force: true }).catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
