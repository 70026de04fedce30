import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { invalidArgument } from "../../shared/errors/index.js";
import type { ClusterState } from "../../shared/model/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import { insecureAuth, socketAuth, tlsAuth } from "./auth.js";
import { createHttpServer, type HttpOptions, type Route } from "./http.js";
import { listenSocket, listenTcp, parseListen, tcpScheme, type TlsMaterial } from "./listeners.js";

/*
 * The api's listeners from its options and environment (checked before anything starts: a refused
 * listener is a configuration error, said at once), then served: one HTTP server per listener over
 * the same routes, each with its own way of knowing who calls (shell/auth.ts).
 */

export interface ListenOptions {
  listen?: string;
  socket?: { path: string; group?: string };
  tls?: TlsMaterial;
  insecureHttp?: boolean;
}

export interface ListenPlan {
  tcp?: { host: string; port: number; scheme: "https" | "http"; tls?: TlsMaterial };
  socket?: { path: string; group?: string };
}

/** The TLS material named by `$SWARM_API_TLS_CERT/KEY/CA` (all three, or none), with the files it came from. */
function tlsFromEnv(env: NodeJS.ProcessEnv): TlsMaterial | undefined {
  const files = { cert: env.SWARM_API_TLS_CERT, key: env.SWARM_API_TLS_KEY, ca: env.SWARM_API_TLS_CA };
  const given = Object.values(files).filter(Boolean).length;
  if (given === 0) return undefined;
  if (given < 3) throw invalidArgument("SWARM_API_TLS_CERT, SWARM_API_TLS_KEY and SWARM_API_TLS_CA go together: set all three");
  const f = files as { cert: string; key: string; ca: string };
  return { cert: readFileSync(f.cert, "utf8"), key: readFileSync(f.key, "utf8"), ca: readFileSync(f.ca, "utf8"), files: f };
}

/** How often TLS files named by the environment are looked at for a change (a root CA rotation rewrites them), ms. */
const TLS_RELOAD_MS = 1_000;

/**
 * Serves new connections with the files' current contents when they change (the launcher issues
 * the api's certificate again when the cluster's root changes); live connections keep theirs.
 */
function reloadTls(server: Server, tls: TlsMaterial, log: Logger): () => void {
  const files = tls.files;
  if (!files) return () => {};
  let current = `${tls.cert}${tls.key}${tls.ca}`;
  const timer = setInterval(() => {
    try {
      const next = { cert: readFileSync(files.cert, "utf8"), key: readFileSync(files.key, "utf8"), ca: readFileSync(files.ca, "utf8") };
      if (`${next.cert}${next.key}${next.ca}` === current) return;
      (server as HttpsServer).setSecureContext(next);
      current = `${next.cert}${next.key}${next.ca}`;
      log.info("api TLS certificate reloaded");
    } catch (err) {
      log.warn("api TLS files not reloaded (retried)", { err: (err as Error).message }); // e.g. a key that does not match its certificate yet
    }
  }, TLS_RELOAD_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export function listenPlan(o: ListenOptions, env: NodeJS.ProcessEnv): ListenPlan {
  const listen = o.listen ?? env.SWARM_API_ADDR ?? "127.0.0.1:4280";
  const socket = o.socket ?? (env.SWARM_API_SOCKET ? { path: env.SWARM_API_SOCKET, group: env.SWARM_API_SOCKET_GROUP || undefined } : undefined);
  if (listen === "none") {
    if (!socket) throw invalidArgument("the api has nowhere to listen: give a TCP address (SWARM_API_ADDR) or a socket (SWARM_API_SOCKET)");
    return { socket };
  }
  const { host, port } = parseListen(listen);
  const tls = o.tls ?? tlsFromEnv(env);
  const scheme = tcpScheme(listen, host, tls, o.insecureHttp ?? env.SWARM_API_INSECURE_HTTP === "1");
  return { tcp: { host, port, scheme, ...(tls ? { tls } : {}) }, ...(socket ? { socket } : {}) };
}

export interface Served { url: string; socketUrl?: string; stop(): Promise<void> }

/** Listens as `plan` says; on a failure, closes what it had opened and throws. */
export async function serve(plan: ListenPlan, routes: Route[], log: Logger, http: HttpOptions, state: () => ClusterState): Promise<Served> {
  const servers: Server[] = [];
  let stopReload = () => {};
  const stop = async () => {
    stopReload();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
  try {
    let socketUrl: string | undefined;
    if (plan.socket) {
      const server = createHttpServer(routes, log, http, { authenticate: socketAuth });
      servers.push(server);
      await listenSocket(server, plan.socket.path, plan.socket.group);
      socketUrl = `unix://${plan.socket.path}`;
    }
    if (!plan.tcp) return { url: socketUrl!, socketUrl, stop };
    const { host, port, scheme, tls } = plan.tcp;
    const authenticate = scheme === "https" ? tlsAuth(state) : insecureAuth(state);
    const server = createHttpServer(routes, log, http, { authenticate, ...(scheme === "https" ? { tls } : {}) });
    servers.push(server);
    const a = await listenTcp(server, host, port);
    if (scheme === "https" && tls) stopReload = reloadTls(server, tls, log);
    const url = `${scheme}://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
    return { url, ...(socketUrl ? { socketUrl } : {}), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
