import type { TaskView } from "../../shared/model/index.js";
import { taskStateRank, type EndpointSpec, type NodeTaskDoc, type TaskSpec } from "../../../schemas/index.js";

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
    // Given before the task is schedulable (TaskAllocated), never changed after: not part of sameDocContent.
    ...(t.networks ? { networks: t.networks } : {}),
  };
}

/**
 * Whether two docs say the same to the agent — node, desired state, removal and spec — so that
 * the newer need not be published (status changes are not in a doc).
 */
export function sameDocContent(a: NodeTaskDoc, b: NodeTaskDoc): boolean {
  return a.nodeId === b.nodeId && a.desiredState === b.desiredState && a.removed === b.removed &&
    (a.spec === b.spec || specJson(a.spec) === specJson(b.spec));
}

/** A doc as published: JSON (the spec's text made once per spec object). */
export function docJson(d: NodeTaskDoc): string {
  const { spec, ...rest } = d;
  return `{"spec":${specJson(spec)},${JSON.stringify(rest).slice(1)}`;
}

/*
 * The JSON of each spec object, made once. The tasks of one creation batch share its spec object
 * (a thousand replicas, one spec), and specs are never mutated (the fold replaces, never edits).
 */
const specJsons = new WeakMap<TaskSpec, string>();
function specJson(spec: TaskSpec): string {
  let j = specJsons.get(spec);
  if (j === undefined) specJsons.set(spec, (j = JSON.stringify(spec)));
  return j;
}

/** The tombstone for a deleted task: the agent removes its container and forgets it. */
export function tombstone(last: NodeTaskDoc, version: number): NodeTaskDoc {
  return { ...last, desiredState: "remove", version, removed: true };
}

/** Nats-Msg-Id of a doc: the same doc published twice (a restart, a retry) is stored once. */
export function docMsgId(d: NodeTaskDoc): string {
  return `${d.taskId}:${d.version}${d.removed ? ":removed" : ""}`;
}

/**
 * Whether `doc` is newer than `stored` (the doc on the stream): a later task version, or at the
 * same version a tombstone over a live doc (a node's removal does not change its tasks' versions).
 * A doc that does not supersede the stored one must not replace it: the stream keeps one doc per
 * task, and an agent that starts reads that one.
 */
export function supersedes(doc: NodeTaskDoc, stored: NodeTaskDoc): boolean {
  return doc.version > stored.version || (doc.version === stored.version && doc.removed && !stored.removed);
}
