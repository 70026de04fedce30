import type Docker from "dockerode";
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
}

/** A container attached to a network: its address without the prefix length. */
export interface AttachedContainer { containerId: string; ipv4: string }

/** What the overlay needs of the node's engine. */
export interface NetworkEngine {
  /** The networks labelled as the agent's. */
  list(): Promise<LocalNetwork[]>;
  create(body: DockerNetworkCreate): Promise<void>;
  /** Containers attached to the network (running ones: the engine lists active endpoints). */
  attached(name: string): Promise<AttachedContainer[]>;
  /** Disconnects (forced) and removes; a network that is already gone is not an error. */
  remove(name: string, containers: readonly AttachedContainer[]): Promise<void>;
  /** Connects a container with its address (the engine derives the MAC from it: `02:42:` + its bytes). */
  connect(name: string, c: AttachedContainer): Promise<void>;
}

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
      bridge: n.Options?.["com.docker.network.bridge.name"] ?? "",
    }));
  }

  async create(body: DockerNetworkCreate): Promise<void> {
    try {
      await this.docker.createNetwork(body);
    } catch (err) {
      throw new Error(`docker network create ${body.Name}: ${dockerMessage(err)}`, { cause: err });
    }
  }

  async attached(name: string): Promise<AttachedContainer[]> {
    const info = await this.docker.getNetwork(name).inspect() as { Containers?: Record<string, { IPv4Address?: string }> };
    return Object.entries(info.Containers ?? {}).map(([containerId, c]) => ({ containerId, ipv4: (c.IPv4Address ?? "").split("/")[0] ?? "" }));
  }

  async remove(name: string, containers: readonly AttachedContainer[]): Promise<void> {
    const net = this.docker.getNetwork(name);
    for (const c of containers) await net.disconnect({ Container: c.containerId, Force: true }).catch(() => undefined);
    try {
      await net.remove();
    } catch (err) {
      if (status(err) === 404) return;
      throw new Error(`docker network rm ${name}: ${dockerMessage(err)}`, { cause: err });
    }
  }

  async connect(name: string, c: AttachedContainer): Promise<void> {
    try {
      await this.docker.getNetwork(name).connect({ Container: c.containerId, EndpointConfig: { IPAMConfig: { IPv4Address: c.ipv4 } } });
    } catch (err) {
      throw new Error(`docker network connect ${name} ${c.containerId}: ${dockerMessage(err)}`, { cause: err });
    }
  }
}
