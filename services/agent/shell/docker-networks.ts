import type Docker from "dockerode";
import type { EngineNetwork } from "../core/network-clash.js";
import { NETWORK_LABELS, type DockerNetworkCreate } from "../core/overlay-plan.js";
import { dockerMessage } from "./docker-executor.js";

/** A node-local Docker network the agent made for a swarm network. */
export interface LocalNetwork {
  id: string;
  name: string;
  /** The swarm network's id (label). */
  networkId: string;
  /** The settings it was made with (label; `dockerConfigKey`). */
  config: string;
  /** Its bridge device (`com.docker.network.bridge.name`). */
  bridge: string;
  /** The node whose agent made it (several agents may share one engine: tests, `swarm join` on one host). */
  nodeId: string;
  /** Its gateway (the making node's). */
  gateway: string;
  /** The cluster of the node that made it (label; absent on networks of older agents). */
  clusterId?: string;
}

/** A container attached to a network: its address without the prefix length. */
export interface AttachedContainer { containerId: string; ipv4: string }

/** What the overlay needs of the node's engine. */
export interface NetworkEngine {
  /** The networks labelled as the agent's. */
  list(): Promise<LocalNetwork[]>;
  /** Every network on the engine with its subnets (what a create may clash with). */
  all(): Promise<EngineNetwork[]>;
  create(body: DockerNetworkCreate): Promise<void>;
  /** Containers attached to the network (running ones: the engine lists active endpoints). */
  attached(name: string): Promise<AttachedContainer[]>;
  /** Disconnects (forced) and removes; a network that is already gone is not an error. */
  remove(name: string, containers: readonly AttachedContainer[]): Promise<void>;
  /** Connects a container with its address (the engine derives the MAC from it: `02:42:` + its bytes). */
  connect(name: string, c: AttachedContainer): Promise<void>;
}

/** How network inspect keys an endpoint whose container is gone (docker's `ep-<endpoint id>`). */
const STALE_KEY = "ep-";

function status(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === "number" ? s : undefined;
}

/** The NetworkEngine over the Docker Engine API (dockerode). */
export class DockerNetworks implements NetworkEngine {
  constructor(private readonly docker: Docker) {}

  async list(): Promise<LocalNetwork[]> {
    const nets = await this.docker.listNetworks({ filters: { label: [NETWORK_LABELS.networkId] } });
    return nets.map((n) => ({
      id: n.Id, name: n.Name, networkId: n.Labels?.[NETWORK_LABELS.networkId] ?? "", config: n.Labels?.[NETWORK_LABELS.config] ?? "",
      bridge: n.Options?.["com.docker.network.bridge.name"] ?? "", nodeId: n.Labels?.[NETWORK_LABELS.nodeId] ?? "",
      gateway: n.IPAM?.Config?.[0]?.Gateway ?? "", ...(n.Labels?.[NETWORK_LABELS.clusterId] ? { clusterId: n.Labels[NETWORK_LABELS.clusterId] } : {}),
    }));
  }

  async all(): Promise<EngineNetwork[]> {
    return (await this.docker.listNetworks()).map((n) => {
      const l = n.Labels ?? {};
      const subnets = (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? "").filter((x) => x !== "");
      const networkId = l[NETWORK_LABELS.networkId];
      if (!networkId) return { name: n.Name, subnets };
      const clusterId = l[NETWORK_LABELS.clusterId];
      return { name: n.Name, subnets, jetswarm: { networkId, nodeId: l[NETWORK_LABELS.nodeId] ?? "", ...(clusterId ? { clusterId } : {}) } };
    });
  }

  async create(body: DockerNetworkCreate): Promise<void> {
    try {
      await this.docker.createNetwork(body);
    } catch (err) {
      throw new Error(`docker network create ${body.Name}: ${dockerMessage(err)}`, { cause: err });
    }
  }

  async attached(name: string): Promise<AttachedContainer[]> {
    const eps = await this.endpoints(name);
    return eps.filter(([key]) => !key.startsWith(STALE_KEY)).map(([containerId, c]) => ({ containerId, ipv4: (c.IPv4Address ?? "").split("/")[0] ?? "" }));
  }

  async remove(name: string, containers: readonly AttachedContainer[]): Promise<void> {
    const net = this.docker.getNetwork(name);
    for (const c of containers) await net.disconnect({ Container: c.containerId, Force: true }).catch(() => undefined);
    try {
      await net.remove().catch(async (err: unknown) => {
        if (!/active endpoints/.test(dockerMessage(err))) throw err;
        // An endpoint of a removed container the engine kept (docker 20.10): the engine deletes it
        // by its name on a forced disconnect of a container it no longer knows.
        const stale = (await this.endpoints(name)).filter(([key]) => key.startsWith(STALE_KEY));
        // None listed: the engine's endpoint count leaked (no endpoint is stored); only a restart
        // of dockerd recounts it, and no API call can remove the network until then.
        if (!stale.length) throw new Error("it counts active endpoints yet lists none (a leaked endpoint count: restarting dockerd clears it)", { cause: err });
        for (const [, ep] of stale) if (ep.Name) await net.disconnect({ Container: ep.Name, Force: true });
        await net.remove();
      });
    } catch (err) {
      if (status(err) === 404) return;
      throw new Error(`docker network rm ${name}: ${dockerMessage(err)}`, { cause: err });
    }
  }

  /** The engine's endpoints on the network, keyed by container id (`ep-<endpoint id>`: no container). */
  private async endpoints(name: string): Promise<[string, { Name?: string; IPv4Address?: string }][]> {
    const info = await this.docker.getNetwork(name).inspect() as { Containers?: Record<string, { Name?: string; IPv4Address?: string }> };
    return Object.entries(info.Containers ?? {});
  }

  async connect(name: string, c: AttachedContainer): Promise<void> {
    try {
      await this.docker.getNetwork(name).connect({ Container: c.containerId, EndpointConfig: { IPAMConfig: { IPv4Address: c.ipv4 } } });
    } catch (err) {
      throw new Error(`docker network connect ${name} ${c.containerId}: ${dockerMessage(err)}`, { cause: err });
    }
  }
}
