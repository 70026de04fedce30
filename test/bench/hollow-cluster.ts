/*
 * The real control plane (nats-server + api, orchestrator, scheduler, dispatcher, each its own
 * process under the launcher's Supervisor) WITHOUT a real agent, for the hollow-node scale
 * benchmark. `swarm init` creates a manager node that no agent ever registers for: it stays
 * `unknown`, so the scheduler (ready nodes only) never places a task on the real machine.
 */
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONTROL_PLANE, keysDir, serviceScript } from "../../deploy/launcher/local-cluster.js";
import { freePort, startNatsServer, type NatsServerHandle } from "../../deploy/launcher/nats-server.js";
import { Supervisor } from "../../deploy/launcher/supervisor.js";
import type { NatsTls } from "../../services/shared/nats/index.js";
import { BENCH_SECURE, secureBus } from "./hollow-security.js";
import { ensureClusterCa } from "../../deploy/launcher/node-identity.js";

export interface HollowControlPlane {
  apiUrl: string;
  natsUrl: string;
  /** The operator's bus identity (security on), for the benchmark's probe connection. */
  natsTls?: NatsTls;
  dataDir: string;
  /** The init (manager) node: never registered, so never eligible. */
  initNodeId: string;
  workerToken: string;
  /** pid of each control-plane process, nats-server included. */
  pids(): Map<string, number>;
  /** Stops the control-plane services, leaving nats-server up (to read the log undisturbed). */
  stopServices(): Promise<void>;
  /** Stops every process and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

async function waitForApi(apiUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(`${apiUrl}/_ping`);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the api did not answer on ${apiUrl} within ${timeoutMs / 1000} s`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** `swarm init`, again while it answers 503: the api may be up before the secret-store it asks for the tokens. */
async function initWhenReady(apiUrl: string, body: unknown): Promise<{ NodeID: string }> {
  for (const deadline = Date.now() + 60_000; ;) {
    try {
      return await postJson<{ NodeID: string }>(`${apiUrl}/swarm/init`, body);
    } catch (err) {
      if (!/: 503 /.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** `heartbeatPeriodMs` is passed to `swarm init` (the cluster's dispatcher heartbeat period). */
export async function startHollowControlPlane(say: (msg: string) => void = () => {}, heartbeatPeriodMs?: number): Promise<HollowControlPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), "jetswarm-bench-scale-"));
  const logs = join(dataDir, "logs");
  mkdirSync(logs, { recursive: true });
  const supervisor = new Supervisor(say);
  let nats: NatsServerHandle | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await supervisor.stop([...CONTROL_PLANE].reverse());
    await nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // Security on (the default): mutual TLS, per-identity users, the auth callout (hollow-security.ts).
    const natsPort = await freePort();
    // The cluster CA in both modes: the secret-store derives the join tokens from it.
    await ensureClusterCa(keysDir(dataDir));
    const bus = BENCH_SECURE ? await secureBus(dataDir, natsPort) : undefined;
    nats = await startNatsServer({ dataDir: join(dataDir, "nats"), port: natsPort, logFile: join(logs, "nats-server.log"), ...(bus ? { configFile: bus.configFile } : {}) });
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const env = {
      SWARM_NATS_URL: nats.url, SWARM_API_ADDR: `127.0.0.1:${apiPort}`, SWARM_API_INSECURE_HTTP: "1", SWARM_LOG_LEVEL: process.env.SWARM_LOG_LEVEL ?? "info",
      SWARM_KEYS_DIR: keysDir(dataDir),
    };
    // BENCH_CPU_PROF=<dir>: every control-plane service writes a V8 CPU profile there when it stops.
    const prof = process.env.BENCH_CPU_PROF;
    const nodeArgs = prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [];
    for (const name of CONTROL_PLANE) {
      supervisor.start({ name, script: serviceScript(name), nodeArgs, env: { ...env, SWARM_INSTANCE_ID: `${name}-1`, ...bus?.env(name) }, logFile: join(logs, `${name}.log`) });
    }
    await waitForApi(apiUrl, 60_000);
    const init = await initWhenReady(apiUrl, { NodeName: "bench-manager-no-agent", ...(heartbeatPeriodMs ? { HeartbeatPeriodMs: heartbeatPeriodMs } : {}) });
    const info = (await (await fetch(`${apiUrl}/swarm`)).json()) as { JoinTokens: { Worker: string } };
    const natsHandle = nats;
    return {
      apiUrl, natsUrl: nats.url, ...(bus ? { natsTls: bus.admin } : {}), dataDir, initNodeId: init.NodeID, workerToken: info.JoinTokens.Worker,
      pids: () => {
        const m = new Map<string, number>();
        if (natsHandle.process.pid) m.set("nats-server", natsHandle.process.pid);
        for (const name of supervisor.names()) {
          const pid = supervisor.get(name)?.child?.pid;
          if (pid) m.set(name, pid);
        }
        return m;
      },
      stopServices: () => supervisor.stop([...CONTROL_PLANE].reverse()),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export { postJson };
