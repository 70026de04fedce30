import type { ServiceSpec } from "../../../schemas/index.js";
import type { ClusterState, NetworkView } from "../../shared/model/index.js";
import { resolve } from "./lookup.js";

/* Finding networks in the projection (pure), shared by the network and the service deciders. */

export function networks(state: ClusterState): NetworkView[] {
  return [...state.networks.values()];
}

/** Docker's lookup: full id, then name, then a unique id prefix. */
export function findNetwork(state: ClusterState, ref: string): NetworkView {
  return resolve(networks(state), ref, (n) => n.spec.Name, "network");
}

export function ingressNetwork(state: ClusterState): NetworkView | undefined {
  return networks(state).find((n) => n.spec.Ingress);
}

/** The spec asks for the routing mesh: an ingress-mode published port (Swarm's IsIngressNetworkNeeded). */
export function needsIngress(spec: ServiceSpec): boolean {
  return (spec.EndpointSpec?.Ports ?? []).some((p) => (p.PublishMode ?? "ingress") === "ingress");
}
