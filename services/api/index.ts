import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { Informer } from "../shared/projection/index.js";
import { invalidArgument } from "../shared/errors/index.js";
import { type ServiceDeps } from "../shared/runtime/index.js";
import { specLimitsFrom, type SpecLimits } from "../../schemas/index.js";
import { createHttpServer, type HttpOptions } from "./shell/http.js";
import { listOf } from "./shell/request-guard.js";
import { apiRoutes } from "./shell/routes.js";
import { insecureAuth, socketAuth, tlsAuth } from "./shell/auth.js";
import { listenSocket, listenTcp, parseListen, tcpScheme, type TlsMaterial } from "./shell/listeners.js";
import { readJoinTokens } from "./shell/join-tokens.js";
import { TokenBook } from "./app/index.js";

export { JETSWARM_PREFIX } from "./shell/jetswarm-routes.js";

export interface ApiOptions {
  /** `host:port` to listen on (TCP). Default `$SWARM_API_ADDR` or `127.0.0.1:4280`; port 0 picks a free one; `none`: no TCP listener. */
  listen?: string;
  /** The unix socket (actor `local`), mode 0660, group `group` (default root). Default `$SWARM_API_SOCKET` (+ `$SWARM_API_SOCKET_GROUP`); none without. */
  socket?: { path: string; group?: string };
  /** TCP is HTTPS with this (PEM). Default: the files `$SWARM_API_TLS_CERT`, `$SWARM_API_TLS_KEY`, `$SWARM_API_TLS_CA`. */
  tls?: TlsMaterial;
  /** Plain HTTP on a loopback TCP address, for development and tests. Default `$SWARM_API_INSECURE_HTTP` = 1. */
  insecureHttp?: boolean;
  /** HTTP limits and who may call; `hostNames` default `$SWARM_API_HOSTS`, `origins` `$SWARM_API_ORIGINS` (comma-separated). */
  http?: HttpOptions;
  /** Spec limits; default SPEC_LIMITS with `$SWARM_MAX_REPLICAS` / `$SWARM_MAX_TASKS` applied. */
  limits?: SpecLimits;
}

export interface RunningApi {
  /** The TCP listener, e.g. `https://127.0.0.1:4280`; `unix://<path>` when there is only the socket. */
  url: string;
  /** `unix://<path>` of the socket, when there is one. */
  socketUrl?: string;
  stop(): Promise<void>;
  /** For membership: the projection's last applied sequence. */
  status?(): { seq: number };
}

/** The TLS material named by `$SWARM_API_TLS_CERT/KEY/CA` (all three, or none). */
function tlsFromEnv(env: NodeJS.ProcessEnv): TlsMaterial | undefined {
  const files = { cert: env.SWARM_API_TLS_CERT, key: env.SWARM_API_TLS_KEY, ca: env.SWARM_API_TLS_CA };
  const given = Object.values(files).filter(Boolean).length;
  if (given === 0) return undefined;
  if (given < 3) throw invalidArgument("SWARM_API_TLS_CERT, SWARM_API_TLS_KEY and SWARM_API_TLS_CA go together: set all three");
  return { cert: readFileSync(files.cert!, "utf8"), key: readFileSync(files.key!, "utf8"), ca: readFileSync(files.ca!, "utf8") };
}

/**
 * The command service (DESIGN §4): replays the whole log into its projection, then serves the
 * HTTP/JSON api. Writes answer only after the projection applied them (read-your-writes).
 */
export async function start(deps: ServiceDeps, opts: ApiOptions = {}): Promise<RunningApi> {
  const env = process.env;
  const listen = opts.listen ?? env.SWARM_API_ADDR ?? "127.0.0.1:4280";
  const tcp = listen === "none" ? undefined : parseListen(listen);
  const tls = opts.tls ?? tlsFromEnv(env);
  // Checked before anything starts: a refused listener is a configuration error, said at once.
  const scheme = tcp && tcpScheme(listen, tcp.host, tls, opts.insecureHttp ?? env.SWARM_API_INSECURE_HTTP === "1");
  const socket = opts.socket ?? (env.SWARM_API_SOCKET ? { path: env.SWARM_API_SOCKET, group: env.SWARM_API_SOCKET_GROUP || undefined } : undefined);
  if (!tcp && !socket) throw invalidArgument("the api has nowhere to listen: give a TCP address (SWARM_API_ADDR) or a socket (SWARM_API_SOCKET)");
  const log = deps.log;
  const informer = new Informer(deps.store, { ...deps.projection, log });
  // The join tokens are the api's alone (not in the projection): kept as the projection meets them.
  const tokens = new TokenBook(() => readJoinTokens(deps.nc));
  informer.onEvent((e) => {
    if (e.event.type === "ClusterInitialized") tokens.learn({ worker: e.event.data.workerToken, manager: e.event.data.managerToken });
  });
  await informer.start();
  // After sync an unreadable event is fatal: the api would answer from a state it no longer follows.
  if (deps.onFatal) informer.onFailed(deps.onFatal);
  const http: HttpOptions = {
    hostNames: listOf(env.SWARM_API_HOSTS), origins: listOf(env.SWARM_API_ORIGINS), ...opts.http,
  };
  const routes = apiRoutes({ store: deps.store, informer, tokens, now: deps.now ?? (() => new Date()), nc: deps.nc, instanceId: deps.instanceId, limits: opts.limits ?? specLimitsFrom(env) });
  const state = () => informer.state;
  const servers: Server[] = [];
  const stopServers = async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
  let url = "";
  let socketUrl: string | undefined;
  try {
    if (socket) {
      const server = createHttpServer(routes, log, http, { authenticate: socketAuth });
      servers.push(server);
      await listenSocket(server, socket.path, socket.group);
      socketUrl = url = `unix://${socket.path}`;
    }
    if (tcp) {
      const authenticate = scheme === "https" ? tlsAuth(state) : insecureAuth(state);
      const server = createHttpServer(routes, log, http, { authenticate, ...(scheme === "https" ? { tls } : {}) });
      servers.push(server);
      const a = await listenTcp(server, tcp.host, tcp.port);
      url = `${scheme}://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
    }
  } catch (err) {
    await stopServers();
    await informer.stop();
    throw err;
  }
  log.info("listening", { url, ...(socketUrl && socketUrl !== url ? { socket: socketUrl } : {}), seq: informer.seq });
  return {
    url,
    ...(socketUrl ? { socketUrl } : {}),
    status: () => ({ seq: informer.seq }),
    stop: async () => {
      await stopServers();
      await informer.stop();
    },
  };
}
