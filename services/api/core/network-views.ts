import type { Network } from "../../../schemas/network-api.js";
import type { ClusterState, NetworkView } from "../../shared/model/index.js";
import { labelMatches, matches, type Filters } from "./filters.js";
import { networks } from "./network-decide.js";
import { VXLAN_OPTION } from "./network-spec.js";

/* Projection → Docker's Network object (NetworkResource) and `GET /networks` filters. Pure. */

export const NETWORK_FILTERS = ["name", "id", "label", "driver", "scope", "type"] as const;
export const NETWORK_FILTER_VALUES = { scope: ["swarm", "global", "local"], type: ["custom", "builtin"] } as const;

/** The nodes that joined the network (the allocator gave each a gateway address on it). */
function peersOf(state: ClusterState, n: NetworkView): { Name: string; IP: string }[] {
  return Object.keys(n.nodeGateways).sort().flatMap((id) => {
    const node = state.nodes.get(id);
    return node ? [{ Name: node.description?.hostname ?? node.name, IP: node.addr ?? "" }] : [];
  });
}

export function networkView(state: ClusterState, n: NetworkView): Network {
  const a = n.allocation;
  const spec = n.spec;
  const config = a
    ? [{ Subnet: a.subnet, Gateway: a.gateway, ...(a.ipRange ? { IPRange: a.ipRange } : {}) }]
    : (spec.IPAM?.Config ?? []);
  const peers = a ? peersOf(state, n) : [];
  return {
    Name: spec.Name,
    Id: n.id,
    Created: n.createdAt,
    Scope: "swarm",
    Driver: "overlay",
    EnableIPv6: false,
    IPAM: { Driver: spec.IPAM?.Driver ?? "default", Options: spec.IPAM?.Options ?? null, Config: config },
    Internal: spec.Internal ?? false,
    Attachable: spec.Attachable ?? false,
    Ingress: spec.Ingress ?? false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: {},
    Options: { ...spec.Options, ...(a ? { [VXLAN_OPTION]: String(a.vni) } : {}) },
    Labels: spec.Labels ?? {},
    ...(peers.length ? { Peers: peers } : {}),
  };
}

/** Docker's network filters: `name` matches part of the name, `id` a prefix, the rest exactly; every network is `custom`. */
export function listNetworks(state: ClusterState, f: Filters): Network[] {
  return networks(state)
    .filter((n) =>
      matches(f, "name", (v) => n.spec.Name.includes(v)) &&
      matches(f, "id", (v) => n.id.startsWith(v)) &&
      matches(f, "label", (v) => labelMatches(n.spec.Labels, v)) &&
      matches(f, "driver", (v) => v === "overlay") &&
      matches(f, "scope", (v) => v === "swarm") &&
      matches(f, "type", (v) => v === "custom"))
    .map((n) => networkView(state, n));
}
