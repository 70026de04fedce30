import type { ClusterState, NodeView, ServiceView } from "../../shared/model/index.js";
import { notFound, invalidArgument } from "../../shared/errors/index.js";

/*
 * Docker's resolution order for a reference typed by the user: full id, then name, then a
 * unique id prefix. Removed services are invisible.
 */

export function resolve<T extends { id: string }>(items: T[], ref: string, nameOf: (t: T) => string, kind: string): T {
  const byId = items.find((t) => t.id === ref);
  if (byId) return byId;
  const byName = items.filter((t) => nameOf(t) === ref);
  if (byName.length === 1) return byName[0]!;
  const byPrefix = items.filter((t) => t.id.startsWith(ref));
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1 || byName.length > 1) {
    throw invalidArgument(`${kind} ${ref} is ambiguous (${Math.max(byPrefix.length, byName.length)} matches found)`);
  }
  throw notFound(`${kind} ${ref} not found`);
}

export function liveServices(state: ClusterState): ServiceView[] {
  return [...state.services.values()].filter((s) => !s.removed);
}

export function findService(state: ClusterState, ref: string): ServiceView {
  return resolve(liveServices(state), ref, (s) => s.spec.Name, "service");
}

/** Swarm indexes a node by its spec name when set, else its host name (agents sharing a host share the latter). */
export function findNode(state: ClusterState, ref: string): NodeView {
  const nodes = [...state.nodes.values()];
  const named = nodes.filter((n) => n.name === ref);
  if (named.length === 1 && !nodes.some((n) => n.id === ref)) return named[0]!;
  return resolve(nodes, ref, (n) => n.description?.hostname ?? n.name, "node");
}
