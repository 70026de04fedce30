import type { AddressInfo } from "node:net";
import { Informer } from "../shared/projection/index.js";
import { invalidArgument } from "../shared/errors/index.js";
import { type ServiceDeps } from "../shared/runtime/index.js";
import { specLimitsFrom, type SpecLimits } from "../../schemas/index.js";
import { createHttpServer, type HttpOptions } from "./shell/http.js";
import { listOf } from "./shell/request-guard.js";
import { apiRoutes } from "./shell/routes.js";
import { rpcClusterKeys } from "./shell/cluster-keys.js";
import { type ClusterKeys, TokenCache } from "./app/index.js";

export { JETSWARM_PREFIX } from "./shell/jetswarm-routes.js";

export interface ApiOptions {
  /** `host:port` to listen on. Default `$SWARM_API_ADDR` or `127.0.0.1:4280`; port 0 picks a free one. */
  listen?: string;
  /** HTTP limits and who may call; `hostNames` default `$SWARM_API_HOSTS`, `origins` `$SWARM_API_ORIGINS` (comma-separated). */
  http?: HttpOptions;
  /** Spec limits; default SPEC_LIMITS with `$SWARM_MAX_REPLICAS` / `$SWARM_MAX_TASKS` applied. */
  limits?: SpecLimits;
  /** The secret-store (join tokens, node certificates). Default: rpc to the secret-store service. */
  keys?: ClusterKeys;
}

export interface RunningApi {
  /** e.g. `http://127.0.0.1:4280` */
  url: string;
  stop(): Promise<void>;
  /** For membership: the projection's last applied sequence. */
  status?(): { seq: number };
}

function parseListen(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(":");
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw invalidArgument(`invalid listen address "${addr}": expected host:port`);
  }
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, "") || "127.0.0.1", port };
}

/**
 * The command service (DESIGN §4): replays the whole log into its projection, then serves the
 * HTTP/JSON api. Writes answer only after the projection applied them (read-your-writes).
 */
export async function start(deps: ServiceDeps, opts: ApiOptions = {}): Promise<RunningApi> {
  const { host, port } = parseListen(opts.listen ?? process.env.SWARM_API_ADDR ?? "127.0.0.1:4280");
  const log = deps.log;
  const informer = new Informer(deps.store, { ...deps.projection, log });
  const keys = opts.keys ?? rpcClusterKeys(deps.nc);
  await informer.start();
  // After sync an unreadable event is fatal: the api would answer from a state it no longer follows.
  if (deps.onFatal) informer.onFailed(deps.onFatal);
  const http: HttpOptions = {
    hostNames: listOf(process.env.SWARM_API_HOSTS), origins: listOf(process.env.SWARM_API_ORIGINS), ...opts.http,
  };
  const routes = apiRoutes({ store: deps.store, informer, keys, tokens: new TokenCache(keys), now: deps.now ?? (() => new Date()), nc: deps.nc, instanceId: deps.instanceId, limits: opts.limits ?? specLimitsFrom(process.env) });
  const server = createHttpServer(routes, log, http);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => { server.off("error", reject); resolve(); });
    });
  } catch (err) {
    await informer.stop();
    throw err;
  }
  const a = server.address() as AddressInfo;
  const url = `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
  log.info("listening", { url, seq: informer.seq });
  return {
    url,
    status: () => ({ seq: informer.seq }),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await informer.stop();
    },
  };
}
