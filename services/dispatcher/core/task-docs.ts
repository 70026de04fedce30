import type { TaskView } from "../../shared/pure.js";
import { taskStateRank, type EndpointSpec, type NodeTaskDoc } from "../../../schemas/index.js";

/*
 * The per-node task stream (DESIGN §3): one doc per task on `swarm.node.<nodeId>.tasks.<taskId>`,
 * carrying what the agent needs to converge — spec and desired state — not the observed status.
 */

/** Whether a node must hear about the task: it is assigned there, or it must stop / be removed. */
export function belongsOnNode(t: TaskView): boolean {
  if (t.nodeId === undefined) return false;
  return taskStateRank(t.state) >= taskStateRank("assigned") || taskStateRank(t.desiredState) >= taskStateRank("shutdown");
}

/** The doc for a task at aggregate version `version`, or undefined when no node should have it. */
export function deriveDoc(t: TaskView, version: number, endpoint?: EndpointSpec): NodeTaskDoc | undefined {
  if (!belongsOnNode(t)) return undefined;
  return {
    taskId: t.id, serviceId: t.serviceId, serviceName: t.serviceName, slot: t.slot, nodeId: t.nodeId!,
    spec: t.spec, desiredState: t.desiredState, version, removed: false, ...(endpoint ? { endpoint } : {}),
  };
}

/** What, when it changes, makes a new doc worth publishing (status changes are not). */
export function docSignature(d: NodeTaskDoc): string {
  return JSON.stringify([d.nodeId, d.desiredState, d.removed, d.spec]);
}

/** The tombstone for a deleted task: the agent removes its container and forgets it. */
export function tombstone(last: NodeTaskDoc, version: number): NodeTaskDoc {
  return { ...last, desiredState: "remove", version, removed: true };
}

/** Nats-Msg-Id of a doc: the same doc published twice (a restart, a retry) is stored once. */
export function docMsgId(d: NodeTaskDoc): string {
  return `${d.taskId}:${d.version}${d.removed ? ":removed" : ""}`;
}
