import type { NetworkAttachmentConfig, PortConfig, ServiceSpec } from "../../../schemas/index.js";
import { failedPrecondition, invalidArgument } from "../../shared/errors/index.js";
import type { ClusterState } from "../../shared/model/index.js";
import { liveServices } from "./lookup.js";
import { findNetwork, ingressNetwork, needsIngress } from "./network-lookup.js";

/*
 * A service's networks and published ports checked against the cluster (pure, run inside the
 * create/update deciders so a re-decide resolves against fresh state): network names become ids,
 * the ingress network cannot be named, and a published port belongs to one service (Swarm's words).
 */

const rpc = (code: string, desc: string) => `rpc error: code = ${code} desc = ${desc}`;

function resolveAttachments(state: ClusterState, list: NetworkAttachmentConfig[]): NetworkAttachmentConfig[] {
  const seen = new Set<string>();
  return list.map((a) => {
    const n = findNetwork(state, a.Target);
    if (n.spec.Ingress) throw invalidArgument(rpc("InvalidArgument", `Service cannot be explicitly attached to the ingress network "${n.spec.Name}"`));
    if (seen.has(n.id)) throw invalidArgument(`TaskTemplate.Networks: network ${n.spec.Name} is attached more than once`);
    seen.add(n.id);
    return { ...a, Target: n.id };
  });
}

/** The spec with every network attachment naming its network's id (the same object when there are none). */
export function resolveNetworks(state: ClusterState, spec: ServiceSpec): ServiceSpec {
  const list = spec.TaskTemplate.Networks;
  if (needsIngress(spec) && !ingressNetwork(state)) {
    throw failedPrecondition(rpc("FailedPrecondition", "service needs ingress network, but no ingress network is present"));
  }
  if (!list?.length) return spec;
  return { ...spec, TaskTemplate: { ...spec.TaskTemplate, Networks: resolveAttachments(state, list) } };
}

const portKey = (p: PortConfig) => `${p.Protocol ?? "tcp"}/${p.PublishedPort}`;
const modeOf = (p: PortConfig) => p.PublishMode ?? "ingress";

/**
 * swarmkit's checkPortConflicts: an ingress port is the cluster's, so no other service may publish
 * it in either mode; host-mode ports may repeat (the scheduler keeps them on different nodes). A
 * port the allocator assigned (published port left out) counts as the service's too.
 */
export function checkPortConflicts(state: ClusterState, spec: ServiceSpec, selfId?: string): void {
  const wanted = (spec.EndpointSpec?.Ports ?? []).filter((p) => p.PublishedPort);
  if (wanted.length === 0) return;
  for (const s of liveServices(state)) {
    if (s.id === selfId) continue;
    const theirs = [...(s.spec.EndpointSpec?.Ports ?? []), ...(s.endpoint?.ports ?? [])].filter((p) => p.PublishedPort);
    for (const p of wanted) {
      const clash = theirs.find((q) => portKey(q) === portKey(p) && (modeOf(p) === "ingress" || modeOf(q) === "ingress"));
      if (!clash) continue;
      const as = modeOf(clash) === "ingress" ? "an ingress port" : "a host-published port";
      throw invalidArgument(rpc("InvalidArgument", `port '${p.PublishedPort}' is already in use by service '${s.spec.Name}' (${s.id}) as ${as}`));
    }
  }
}
