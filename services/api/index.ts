import { Informer } from "../shared/projection/index.js";
import { type ServiceDeps } from "../shared/runtime/index.js";
import { specLimitsFrom, type SpecLimits } from "../../schemas/index.js";
import { type HttpOptions } from "./shell/http.js";
import { listOf } from "./shell/request-guard.js";
import { apiRoutes } from "./shell/routes.js";
import { type TlsMaterial } from "./shell/listeners.js";
import { listenPlan, serve } from "./shell/serve.js";
import { rpcClusterKeys } from "./shell/cluster-keys.js";
import { rpcAutolockKeys } from "./shell/autolock-rpc.js";
import { keyringId } from "../shared/pki/index.js";
import { type AppDeps, type ClusterKeys, ensureIngress, TokenCache } from "./app/index.js";

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
  /** The secret-store (join tokens, node certificates). Default: rpc to the secret-store service. */
  keys?: ClusterKeys;
  /** This manager's keys dir (autolock's keyring: `swarm unlock` reaches its secret-stores). Default `$SWARM_KEYS_DIR`. */
  keysDir?: string;
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

/** `SWARM_TEST_CERT_EXPIRY_FLOOR_MS`: a lower `--cert-expiry` floor, for tests of certificate renewal only. */
function testCertExpiryFloor(env: NodeJS.ProcessEnv): { certExpiryFloorMs?: number } {
  const raw = env.SWARM_TEST_CERT_EXPIRY_FLOOR_MS;
  if (raw === undefined) return {};
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 1000) throw new Error(`SWARM_TEST_CERT_EXPIRY_FLOOR_MS: a whole number of ms, at least 1000, got ${raw}`);
  return { certExpiryFloorMs: ms };
}

/** `SWARM_CLASSIC_STRATEGY`: the placement strategy of classic containers (`swarm up --strategy`). */
function classicStrategy(env: NodeJS.ProcessEnv): { classicStrategy?: "spread" | "binpack" | "random" } {
  const raw = env.SWARM_CLASSIC_STRATEGY;
  if (raw === undefined || raw === "") return {};
  if (raw !== "spread" && raw !== "binpack" && raw !== "random") throw new Error(`SWARM_CLASSIC_STRATEGY: spread, binpack or random, got ${raw}`);
  return { classicStrategy: raw };
}

/**
 * The command service (DESIGN §4): replays the whole log into its projection, then serves the
 * HTTP/JSON api. Writes answer only after the projection applied them (read-your-writes).
 */
export async function start(deps: ServiceDeps, opts: ApiOptions = {}): Promise<RunningApi> {
  const env = process.env;
  const plan = listenPlan(opts, env);
  const log = deps.log;
  const informer = new Informer(deps.store, { ...deps.projection, log });
  const keys = opts.keys ?? rpcClusterKeys(deps.nc);
  await informer.start();
  // After sync an unreadable event is fatal: the api would answer from a state it no longer follows.
  if (deps.onFatal) informer.onFailed(deps.onFatal);
  const http: HttpOptions = {
    hostNames: listOf(env.SWARM_API_HOSTS), origins: listOf(env.SWARM_API_ORIGINS), ...opts.http,
  };
  const keysDir = opts.keysDir ?? env.SWARM_KEYS_DIR;
  const autolock = rpcAutolockKeys(deps.nc, keysDir ? keyringId(keysDir) : undefined);
  const appDeps = {
    store: deps.store, informer, keys, tokens: new TokenCache(keys), now: deps.now ?? (() => new Date()), nc: deps.nc,
    instanceId: deps.instanceId, log, limits: opts.limits ?? specLimitsFrom(env), autolock, ...testCertExpiryFloor(env), ...classicStrategy(env),
  };
  await ensureIngressAtStart(appDeps);
  const routes = apiRoutes(appDeps);
  const served = await serve(plan, routes, log, http, () => informer.state).catch(async (err: unknown) => {
    await informer.stop();
    throw err;
  });
  const { url, socketUrl } = served;
  log.info("listening", { url, ...(socketUrl && socketUrl !== url ? { socket: socketUrl } : {}), seq: informer.seq });
  return {
    url,
    ...(socketUrl ? { socketUrl } : {}),
    status: () => ({ seq: informer.seq }),
    stop: async () => {
      await served.stop();
      await informer.stop();
    },
  };
}

/**
 * A cluster initialised before networks existed gets its ingress network from the first api that
 * starts (idempotent: a fixed id and expectation 0). A failure is logged, never fatal: the api
 * serves without it and the next start tries again.
 */
async function ensureIngressAtStart(deps: AppDeps): Promise<void> {
  const actor = { kind: "user" as const, id: "swarm", via: deps.instanceId ?? "api" };
  await ensureIngress(deps, actor).catch((err: unknown) => deps.log?.warn("ingress network not created", { err: String(err) }));
}
