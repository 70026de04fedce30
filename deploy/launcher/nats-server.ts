import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (this file is at dist/deploy/launcher/ or deploy/launcher/). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

/** nats-server ≥ 2.10: `$SWARM_NATS_SERVER`, the project's `.tools` copy, or the one on PATH. */
export function findNatsServer(): string {
  const candidates = [process.env.SWARM_NATS_SERVER, join(projectRoot(), ".tools/nats/usr/sbin/nats-server"), "nats-server"];
  for (const c of candidates) {
    if (!c) continue;
    try {
      const v = execFileSync(c, ["--version"], { encoding: "utf8" });
      if (/v2\.(1\d|[2-9]\d)\./.test(v)) return c;
    } catch { /* not there */ }
  }
  throw new Error("nats-server >= 2.10 not found: run `npm run setup` (it fetches one into .tools/nats)");
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface NatsServerHandle {
  url: string;
  port: number;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a JetStream nats-server on loopback with its store in `dataDir`; resolves once it listens.
 * With `configFile` the server reads everything from that file instead (a cluster member), and
 * `port` must be the client port the file names.
 */
export async function startNatsServer(opts: { dataDir: string; port?: number; logFile?: string; configFile?: string }): Promise<NatsServerHandle> {
  const port = opts.port ?? (await freePort());
  const out = opts.logFile ? openSync(opts.logFile, "a") : "ignore";
  const args = natsServerArgs({ ...opts, port });
  const child = spawn(findNatsServer(), args, { stdio: ["ignore", out, out] });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  await waitForPort(port, 10_000, () => child.exitCode !== null);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    process: child,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * The command line of a JetStream nats-server on loopback with its store in `<dataDir>/jetstream`
 * (created here), or of a cluster member that reads everything from `configFile`.
 */
export function natsServerArgs(opts: { dataDir: string; port: number; configFile?: string }): string[] {
  const storeDir = resolve(opts.dataDir, "jetstream");
  mkdirSync(storeDir, { recursive: true });
  if (opts.configFile) return ["-c", opts.configFile];
  return ["-js", "-a", "127.0.0.1", "-p", String(opts.port), "-sd", storeDir, "-n", `jetswarm-${opts.port}`];
}

/** Resolves once something accepts connections on 127.0.0.1:`port`; throws when `dead()` or after the timeout. */
export async function waitForPort(port: number, timeoutMs: number, dead: () => boolean): Promise<void> {
  const { connect } = await import("node:net");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead()) throw new Error(`nats-server exited before listening on ${port}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => { s.destroy(); r(true); });
      s.once("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
}
