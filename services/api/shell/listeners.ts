import { chmodSync, chownSync, lstatSync, readFileSync, unlinkSync } from "node:fs";
import type { Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { invalidArgument } from "../../shared/errors/index.js";
import { isLoopback } from "../core/actor.js";

/*
 * Where the api listens (DESIGN §6): a unix socket (local access, as docker.sock: mode 0660, the
 * group decides who else may use it) and a TCP address that is HTTPS — loopback included — unless
 * plain HTTP is asked for explicitly, which only loopback may have (development, tests).
 */

/** TLS material of an HTTPS listener, PEM text: its certificate and key, and the CA client certificates must chain to. */
export interface TlsMaterial {
  cert: string; key: string; ca: string;
  /** The files the PEM texts were read from, when they were: watched for a change. */
  files?: { cert: string; key: string; ca: string };
}

export function parseListen(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(":");
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalidArgument(`invalid listen address "${addr}": expected host:port`);
  }
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, "") || "127.0.0.1", port };
}

/** `https`, or `http` when asked for on loopback; refuses plain HTTP anywhere else, and TCP without either. */
export function tcpScheme(addr: string, host: string, tls: TlsMaterial | undefined, insecureHttp: boolean): "https" | "http" {
  if (tls) return "https";
  const loopback = isLoopback(host) || host === "localhost";
  if (insecureHttp && loopback) return "http";
  if (insecureHttp) {
    throw invalidArgument(`the api refuses plain HTTP on ${addr}: --api-insecure-http is for loopback only (127.0.0.1, ::1); ` +
      "serve other addresses with TLS (SWARM_API_TLS_CERT, SWARM_API_TLS_KEY, SWARM_API_TLS_CA)");
  }
  throw invalidArgument(`the api's TCP listener ${addr} needs TLS (SWARM_API_TLS_CERT, SWARM_API_TLS_KEY, SWARM_API_TLS_CA)` +
    (loopback ? " or, for development, --api-insecure-http (SWARM_API_INSECURE_HTTP=1)" : ""));
}

export async function listenTcp(server: Server, host: string, port: number): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolve(); });
  });
  return server.address() as AddressInfo;
}

/** A group name or number → its gid (from /etc/group: the api runs on the host it serves). */
export function groupId(group: string, etcGroup: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  for (const line of etcGroup.split("\n")) {
    const [name, , gid] = line.split(":");
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw invalidArgument(`--api-socket-group: no group "${group}" on this host`);
}

/** A socket file left by an api that is gone is removed; one that still answers is another api's. */
async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // no such file
  }
  if (!isSocket) throw invalidArgument(`the api socket path ${path} exists and is not a socket`);
  const live = await new Promise<boolean>((resolve) => {
    const c = connect(path, () => { c.destroy(); resolve(true); });
    c.once("error", () => resolve(false));
  });
  if (live) throw invalidArgument(`another api is already listening on ${path}`);
  unlinkSync(path);
}

/** Listens on `path`, mode 0660, group `group` (default root, as docker.sock). */
export async function listenSocket(server: Server, path: string, group = "root"): Promise<void> {
  const gid = groupId(group, readFileSync("/etc/group", "utf8"));
  await clearStaleSocket(path);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => { server.off("error", reject); resolve(); });
  });
  // Until this chmod the socket has the umask's mode (node cannot create it with another).
  chmodSync(path, 0o660);
  chownSync(path, process.getuid?.() ?? 0, gid);
}
