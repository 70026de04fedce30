import { join } from "node:path";
import { issueApiServerCert } from "./api-tls.js";

/*
 * How `swarm up` has its api listen (issue #15): the unix socket `<dataDir>/api.sock` (the CLI's
 * default, actor `local`) and a TCP address that is HTTPS with a certificate from the cluster CA.
 * Plain HTTP only with `--api-insecure-http`, and only on loopback.
 */

export interface ApiListenOptions {
  dataDir: string;
  /** `host:port` of the TCP listener. */
  addr: string;
  /** Group of the socket (mode 0660). Default root. */
  socketGroup?: string;
  /** Plain HTTP on a loopback address (development). */
  insecureHttp?: boolean;
  /** Names the api accepts in `Host`; also put in its certificate. */
  hostNames?: string[];
  /** The CA in memory while its key file is wrapped (autolock; a manager's first start after its join). */
  unlockedCa?: { keyPem: string };
}

export interface ApiListen {
  /** The environment of the api process. */
  env: Record<string, string>;
  /** `https://host:port` (or `http://` with insecureHttp). */
  url: string;
  /** `unix://<dataDir>/api.sock`. */
  socketUrl: string;
  /** The CA that the api's certificate chains to (absent with insecureHttp). */
  caFile?: string;
  /** Issues the api's certificate again from the signing root (a root rotation); the api reloads the files itself. */
  reissue(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/;

function splitAddr(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(":");
  const port = Number(addr.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--api-addr: "${addr}" is not host:port`);
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, ""), port };
}

/** The api's listeners (the cluster CA must exist); refuses plain HTTP on a non-loopback address before anything starts. */
export async function apiListen(o: ApiListenOptions): Promise<ApiListen> {
  const { host, port } = splitAddr(o.addr);
  if (o.insecureHttp && !LOOPBACK.test(host)) {
    throw new Error(`refusing to serve the api without TLS on ${o.addr}: --api-insecure-http is for loopback only (127.0.0.1); drop it to serve HTTPS`);
  }
  const socketPath = join(o.dataDir, "api.sock");
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const env: Record<string, string> = {
    SWARM_API_ADDR: o.addr, SWARM_API_SOCKET: socketPath, ...(o.socketGroup ? { SWARM_API_SOCKET_GROUP: o.socketGroup } : {}),
  };
  if (o.insecureHttp) {
    return { env: { ...env, SWARM_API_INSECURE_HTTP: "1" }, url: `http://${urlHost}:${port}`, socketUrl: `unix://${socketPath}`, reissue: async () => {} };
  }
  const names = [host, ...(o.hostNames ?? [])];
  const tls = await issueApiServerCert(o.dataDir, names, o.unlockedCa);
  return {
    env: { ...env, SWARM_API_TLS_CERT: tls.cert, SWARM_API_TLS_KEY: tls.key, SWARM_API_TLS_CA: tls.ca },
    url: `https://${urlHost}:${port}`, socketUrl: `unix://${socketPath}`, caFile: tls.ca,
    reissue: async () => { await issueApiServerCert(o.dataDir, names); },
  };
}
