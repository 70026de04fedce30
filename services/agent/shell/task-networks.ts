import type { NodeTaskDoc } from "../../../schemas/index.js";
import { attachments } from "../core/container-config.js";
import type { Executor } from "../core/executor.js";

/** What the task runner needs of the node's overlay networks (`shell/overlay.ts`). */
export interface NetworksPort {
  /** Why the network cannot take containers on this node yet; undefined when it can. */
  blocked(networkId: string): string | undefined;
  /** Whether the network's problem is final (a clash jetswarm may not clear): its tasks are rejected with it. */
  cannotBuild?(networkId: string): boolean;
  /** This node's gateway on the network (its DNS server). */
  gateway(networkId: string): string | undefined;
  /** Asks for a pass now (a task waits); resolves (when it can tell) once that pass is done. */
  kick(): Promise<void> | void;
}

/** Why a task cannot be created yet; `final`: nothing will clear it, the task is rejected with `message`. */
export interface NetworkWait { message: string; final: boolean }

/** Why the task cannot be created yet: the first of its networks not built on this node. */
export function networkWait(port: NetworksPort | undefined, doc: NodeTaskDoc): NetworkWait | undefined {
  for (const n of doc.networks ?? []) {
    if (!port) return { message: "this agent builds no overlay networks", final: false };
    const why = port.blocked(n.networkId);
    if (why) return { message: why, final: port.cannotBuild?.(n.networkId) ?? false };
  }
  return undefined;
}

/**
 * API 1.41 creates a container on one network: the others are connected before start (the engine
 * derives each MAC from the address, as `macOf` does). On failure the container is removed, so a
 * rejected task leaves none behind.
 */
export async function connectOthers(x: Executor, doc: NodeTaskDoc, containerId: string): Promise<void> {
  try {
    for (const a of attachments(doc).slice(1)) {
      if (!x.connect) throw new Error("this runtime cannot attach a container to a second network");
      await x.connect(containerId, a.network, a.endpoint);
    }
  } catch (err) {
    await x.remove(containerId).catch(() => undefined);
    throw err;
  }
}
