import type { Actor } from "../../../schemas/index.js";
import type { Network, NetworkCreateRequest, NetworkPruneResponse } from "../../../schemas/network-api.js";
import { deterministicId, randomId } from "../../shared/eventlog/index.js";
import { requireCluster } from "../core/decide.js";
import { type Filters } from "../core/filters.js";
import {
  decideCreateNetwork, decideEnsureIngress, decidePruneNetworks, decideRemoveNetwork, decideYieldNetworkName, duplicateNetworkName, findNetwork,
} from "../core/network-decide.js";
import { networkSpecOf } from "../core/network-spec.js";
import { listNetworks as listView, networkView } from "../core/network-views.js";
import { commitAs, fresh, stateOf, type AppDeps } from "./context.js";

/* Networks (issue #17): create, list, inspect, remove, prune; the cluster's ingress network. */

/** Creates a swarm network; 201 `{Id, Warning}` as Docker answers. */
export async function createNetwork(deps: AppDeps, actor: Actor, req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
  const spec = networkSpecOf(req);
  const id = randomId();
  const f = fresh();
  await commitAs(deps, actor, (s) => decideCreateNetwork(s, spec, id, f));
  // A create of the same name decided at the same moment landed first: this one withdraws.
  const yielded = await commitAs(deps, actor, (s) => decideYieldNetworkName(s, id, f)).then(() => !stateOf(deps).networks.has(id));
  if (yielded) throw duplicateNetworkName(spec.Name);
  return { Id: id, Warning: "" };
}

export function listNetworks(deps: AppDeps, filters: Filters): Network[] {
  const state = stateOf(deps);
  requireCluster(state);
  return listView(state, filters);
}

/** By id, name or unique id prefix. */
export function inspectNetwork(deps: AppDeps, ref: string): Network {
  const state = stateOf(deps);
  requireCluster(state);
  return networkView(state, findNetwork(state, ref));
}

export async function removeNetwork(deps: AppDeps, actor: Actor, ref: string): Promise<void> {
  const f = fresh();
  await commitAs(deps, actor, (s) => decideRemoveNetwork(s, ref, f));
}

/** Removes every network nothing uses (never the ingress network); the names removed. */
export async function pruneNetworks(deps: AppDeps, actor: Actor, filters: Filters): Promise<NetworkPruneResponse> {
  const f = fresh();
  let names: string[] = [];
  await commitAs(deps, actor, (s) => {
    const d = decidePruneNetworks(s, filters, f);
    names = d.names;
    return d.events;
  });
  return { NetworksDeleted: names };
}

/** The ingress network's id: derived from the cluster's, so every api and every retry names the same one. */
export function ingressIdOf(clusterId: string): string {
  return deterministicId(`ingress\u0000${clusterId}`);
}

/**
 * Creates the cluster's ingress network when the cluster has none and never had its own (init, and
 * every api start for a cluster initialised before networks existed). Idempotent across apis.
 */
export async function ensureIngress(deps: AppDeps, actor: Actor): Promise<void> {
  const cluster = stateOf(deps).cluster;
  if (!cluster) return;
  const id = ingressIdOf(cluster.id);
  await commitAs(deps, actor, (s) => decideEnsureIngress(s, id));
}
