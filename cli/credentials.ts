import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Credentials } from "./http-request.js";

/*
 * Where the CLI finds the api and what it shows it (issue #15), as Docker's CLI does: the local
 * socket by default; for HTTPS, `--tlscacert --tlscert --tlskey` or a directory of ca.pem,
 * cert.pem, key.pem (`SWARM_CERT_PATH`, like DOCKER_CERT_PATH), and/or a bearer token
 * (`SWARM_TOKEN`: an environment variable, never a flag, so that it stays out of `ps`).
 */

/** `$SWARM_DATA_DIR`, else `~/.jetswarm`: where `swarm up` keeps its state, and its api socket. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWARM_DATA_DIR ?? join(homedir(), ".jetswarm");
}

/** `$SWARM_HOST`, else the local api's socket. */
export function defaultHost(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWARM_HOST ?? `unix://${join(defaultDataDir(env), "api.sock")}`;
}

export interface TlsFlags { tlscacert?: string; tlscert?: string; tlskey?: string }

function read(flag: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The first of `paths` that exists. */
const firstExisting = (...paths: (string | undefined)[]) => paths.find((p): p is string => p !== undefined && existsSync(p));

/**
 * The credentials for HTTPS: flags first, then `$SWARM_CERT_PATH`; the CA defaults to the local
 * cluster's (`<data dir>/keys/ca.crt`) when it is readable, so `swarm` on a manager trusts its api.
 */
export function credentialsOf(flags: TlsFlags, env: NodeJS.ProcessEnv = process.env): Credentials {
  const dir = env.SWARM_CERT_PATH;
  const inDir = (name: string) => (dir ? join(dir, name) : undefined);
  const caPath = flags.tlscacert ?? firstExisting(inDir("ca.pem"), join(defaultDataDir(env), "keys", "ca.crt"));
  const certPath = flags.tlscert ?? firstExisting(inDir("cert.pem"));
  const keyPath = flags.tlskey ?? firstExisting(inDir("key.pem"));
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new Error("--tlscert and --tlskey go together: give both (or put cert.pem and key.pem in SWARM_CERT_PATH)");
  }
  return {
    ...(caPath ? { ca: read("--tlscacert", caPath) } : {}),
    ...(certPath && keyPath ? { cert: read("--tlscert", certPath), key: read("--tlskey", keyPath) } : {}),
    ...(env.SWARM_TOKEN ? { token: env.SWARM_TOKEN.trim() } : {}),
  };
}
