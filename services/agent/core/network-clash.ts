import { inSubnet, ipOf } from "./ipv4.js";

/*
 * What stands in the way of a Docker network the agent is about to create, and what may be
 * cleared (pure). A network left on the engine by an earlier cluster (`rm -rf ~/.jetswarm` and
 * `swarm up` again, an earlier test's cluster) holds the subnet the new cluster's network wants:
 * Docker refuses the create ("Pool overlaps with other one on this address space") and the tasks
 * would wait for ever. Rule (README invariants): a jetswarm network is removed only when it is
 * *not of this cluster* and *no container uses it*; anything else that clashes is named to the
 * tasks that wait.
 */

/** The labels of a Docker network the agent made (any cluster's, any version's). */
export interface JetswarmLabels {
  networkId: string;
  nodeId: string;
  /** `jetswarm.cluster.id`: absent on networks made before the label existed, or for maps without a cluster id. */
  clusterId?: string;
}

/** A Docker network on the node's engine. */
export interface EngineNetwork {
  name: string;
  subnets: string[];
  /** Set when jetswarm made it (labelled `jetswarm.network.id`). */
  jetswarm?: JetswarmLabels;
}

/** Who is asking: this node, its cluster's id (from the maps) and the nodes its maps name. */
export interface ClusterSelf {
  nodeId: string;
  clusterId?: string;
  /** Every node the current maps name (`nodes`): the cluster's nodes that build networks. */
  members: ReadonlySet<string>;
}

/**
 * Whether a jetswarm network belongs to this node's cluster. By the cluster label when both sides
 * have one (two clusters never share an id); without it (a network of an older agent, maps without
 * a cluster id) by its node: this node, or one the cluster's maps name. A node id is random, so a
 * network of another cluster never passes as this one's.
 */
export function ofThisCluster(n: JetswarmLabels, self: ClusterSelf): boolean {
  if (n.nodeId === self.nodeId) return true;
  if (n.clusterId !== undefined && self.clusterId !== undefined) return n.clusterId === self.clusterId;
  return self.members.has(n.nodeId);
}

/** Whether two CIDRs share an address (CIDR blocks are nested or disjoint). */
export function subnetsOverlap(a: string, b: string): boolean {
  return inSubnet(ipOf(a), b) || inSubnet(ipOf(b), a);
}

/**
 * A network to create: its Docker name, the swarm network's name and subnet, and whether this node
 * needs it now (`claims`: a local task, or published ports on the ingress). Only a claim clears
 * another cluster's networks: the ingress is kept built without one, and two idle clusters on one
 * engine that want one subnet must not take it from each other on every pass.
 */
export interface WantedNetwork { dockerName: string; name: string; subnet: string; claims: boolean }

/**
 * The engine's networks in the way of `want`: its name taken by a network of another cluster, or
 * its subnet overlapping. `own` (this node's network of that name, which the caller makes again
 * itself) is never one.
 */
export function inTheWay(want: WantedNetwork, engine: readonly EngineNetwork[], self: ClusterSelf): EngineNetwork[] {
  return engine.filter((n) => {
    if (n.name === want.dockerName) return !!n.jetswarm && !ofThisCluster(n.jetswarm, self);
    return n.subnets.some((s) => subnetsOverlap(s, want.subnet));
  });
}

/** One network in the way, with whether any container uses it (the engine's endpoints). */
export interface Obstacle extends EngineNetwork { inUse: boolean }

export interface ClearPlan {
  /** Jetswarm networks of another cluster no container uses: removed, one log line each. */
  remove: EngineNetwork[];
  /**
   * What still blocks the create, for the waiting tasks. `final`: nothing jetswarm does will clear
   * it (another cluster's network in use, or one jetswarm did not make) — the task is rejected
   * with it, as swarmkit rejects a task whose network cannot be made on its node. A network of this
   * cluster (one being removed by its own agent) is only waited for.
   */
  blocked?: { message: string; final: boolean };
}

/** What to remove and what blocks, for the obstacles of one wanted network. */
export function planClear(want: WantedNetwork, obstacles: readonly Obstacle[], self: ClusterSelf): ClearPlan {
  const remove: EngineNetwork[] = [];
  const left: { net: Obstacle; why: string; final: boolean }[] = [];
  for (const o of obstacles) {
    const why = keepReason(o, self) ?? (want.claims ? undefined : { why: "of another cluster; removed once a task here needs the network", final: false });
    if (why === undefined) remove.push(o);
    else left.push({ net: o, ...why });
  }
  const first = left.find((l) => l.final) ?? left[0];
  if (!first) return { remove };
  return { remove, blocked: { message: clashMessage(want, first.net, first.why), final: first.final } };
}

/** What the waiting tasks are told: `network <name>: subnet <subnet> overlaps docker network <name> (<why>)`. */
export function clashMessage(want: WantedNetwork, net: EngineNetwork, why: string): string {
  const clash = net.name === want.dockerName ? `name ${want.dockerName} is taken by` : `subnet ${want.subnet} overlaps`;
  return `network ${want.name}: ${clash} docker network ${net.name} (${why})`;
}

function keepReason(o: Obstacle, self: ClusterSelf): { why: string; final: boolean } | undefined {
  if (!o.jetswarm) return { why: "not made by jetswarm: remove it or choose another --subnet", final: true };
  if (ofThisCluster(o.jetswarm, self)) return { why: `of this cluster, node ${o.jetswarm.nodeId}`, final: false };
  if (o.inUse) return { why: "in use by another cluster", final: true };
  return undefined;
}
