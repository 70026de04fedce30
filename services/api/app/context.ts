import type { NatsConnection } from "@nats-io/transport-node";
import { SPEC_LIMITS, type Actor, type SpecLimits } from "../../../schemas/index.js";
import { decideAndCommit } from "../../shared/reconcile/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { type ClusterState, type EventStore, type PlannedEvent } from "../../shared/model/index.js";
import { type Informer } from "../../shared/projection/index.js";
import { type Logger } from "../../shared/telemetry/index.js";
import { type Fresh } from "../core/decide.js";
import type { ClusterKeys, TokenCache } from "./tokens.js";
import type { AutolockKeys } from "./autolock.js";

/*
 * The api's application layer: commands and queries any front end calls (jetswarm's HTTP api
 * today, the Docker Engine API next). Each is a function of (deps, parsed input) → result: inputs
 * are already parsed by the adapter, decisions are the pure core deciders, writes go through
 * `decideAndCommit` (expectations, bounded re-decide, read-your-writes). Nothing here knows HTTP.
 */

export interface AppDeps {
  store: EventStore;
  informer: Informer;
  /** The secret-store: join tokens, node certificates. */
  keys: ClusterKeys;
  /** The join tokens of the current generations, asked of `keys` once each. */
  tokens: TokenCache;
  now: () => Date;
  /** For control-plane membership and audit (KV buckets, bounded stream reads). */
  nc?: NatsConnection;
  /** This api instance (`api-1234`): the `via` of every actor it records. Default `api`. */
  instanceId?: string;
  /** A lower `--cert-expiry` floor (tests only: `SWARM_TEST_CERT_EXPIRY_FLOOR_MS`). Default Swarm's 1 h. */
  certExpiryFloorMs?: number;
  /** Spec limits (replicas per service, tasks per cluster, sizes). Default SPEC_LIMITS. */
  limits?: SpecLimits;
  /** For what a request cannot report once it succeeded (a stored payload left after its removal). */
  log?: Logger;
  /** Autolock: the secret-stores' keyring rpcs (app/autolock.ts). Default: none (autolock refused). */
  autolock?: AutolockKeys;
  /** Placement strategy of classic containers (`swarm up --strategy`). Default: the scheduler's (spread). */
  classicStrategy?: "spread" | "binpack" | "random";
}

/** The spec limits this api enforces. */
export function limitsOf(deps: AppDeps): SpecLimits {
  return deps.limits ?? SPEC_LIMITS;
}

/** The api instance named as `via` in recorded actors. */
export function apiInstance(deps: AppDeps): string {
  return deps.instanceId ?? "api";
}

/** The live projection (a cache: read it, never change it). */
export function stateOf(deps: AppDeps): ClusterState {
  return deps.informer.state;
}

/** Decide on the projection, append as `actor`, return once the projection applied it. */
export function commitAs(deps: AppDeps, actor: Actor, decide: (s: ClusterState) => PlannedEvent[]): Promise<number> {
  return decideAndCommit(deps.store, deps.informer, decide, () => ({ actor, now: deps.now() }));
}

/** Values drawn at random for one request (the deciders take them as data). */
export function fresh(): Fresh {
  return { requestId: randomId(), clusterId: randomId(), nodeId: randomId() };
}
