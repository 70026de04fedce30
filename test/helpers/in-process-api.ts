import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNats, ensureStreams, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import { JetStreamEventStore } from "../../services/shared/eventlog/index.js";
import { start, type ApiOptions, type RunningApi } from "../../services/api/index.js";
import { projectRoot } from "../../deploy/launcher/nats-server.js";
import { testNats } from "./nats.js";
import { serveTestCa } from "./cluster-keys.js";

/*
 * The set-up of the api and CLI integration tests: a real nats-server with the streams, the
 * secret-store's CA handlers (init and join ask them), one api in this process (plain HTTP unless
 * the test says how it listens), and the compiled CLI run against it with an empty data dir (no
 * node identity).
 */

export interface CliResult { code: number; stdout: string; stderr: string }

export interface InProcessApi {
  nats: Awaited<ReturnType<typeof testNats>>;
  nc: NatsConnection;
  store: JetStreamEventStore;
  api: RunningApi;
  /** The compiled CLI with `env` over the test's (asynchronous: the api answering it lives in this process). */
  swarm(env: Record<string, string>, ...args: string[]): Promise<CliResult>;
  /** An api request with a JSON body; the answer's status and parsed body. `base`: another api's URL. */
  call(method: string, path: string, body?: unknown, base?: string): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export interface InProcessApiOptions {
  /** How the api listens (TLS, a socket, …); default plain HTTP on a free loopback port. */
  api?: ApiOptions;
  /** How long one CLI run may take before it is killed; default 30 s. */
  cliTimeoutMs?: number;
}

/**
 * Starts the parts; `name` names the connection, the api instance (`api-<name>`) and the temp dir.
 * A part that fails to start stops the ones started before it.
 */
export async function startInProcessApi(name: string, opts: InProcessApiOptions = {}): Promise<InProcessApi> {
  const emptyDataDir = mkdtempSync(join(tmpdir(), `jetswarm-${name}-`));
  const undo: (() => Promise<unknown>)[] = [async () => rmSync(emptyDataDir, { recursive: true, force: true })];
  const stop = async () => { for (const u of undo.splice(0).reverse()) await u(); };
  try {
    const nats = await testNats();
    undo.push(() => nats.cleanup());
    const nc = await connectNats({ url: nats.url, name: `${name}-test` });
    undo.push(() => nc.drain());
    await ensureStreams(nc);
    const testCa = await serveTestCa(nc, new JetStreamEventStore(nc));
    undo.push(() => testCa.stop());
    const store = new JetStreamEventStore(nc);
    const api = await start({ nc, store, log: createLogger(`${name}-test`, "silent"), instanceId: `api-${name}` }, opts.api ?? { listen: "127.0.0.1:0", insecureHttp: true });
    undo.push(() => api.stop());
    return { nats, nc, store, api, swarm: cliRunner(api.url, emptyDataDir, opts.cliTimeoutMs ?? 30_000), call: caller(api.url), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function cliRunner(url: string, dataDir: string, timeout: number): InProcessApi["swarm"] {
  return (env, ...args) => new Promise((resolve) => {
    execFile(process.execPath, [join(projectRoot(), "dist/cli/main.js"), "--host", url, ...args],
      { env: { ...process.env, SWARM_NODE_ID: "", SWARM_DATA_DIR: dataDir, ...env }, timeout },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}

function caller(url: string): InProcessApi["call"] {
  return async (method, path, body, base = url) => {
    const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}
