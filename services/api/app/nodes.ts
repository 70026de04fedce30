import type { api } from "../../../schemas/index.js";
import type { Actor } from "../../../schemas/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { requireCluster } from "../core/decide.js";
import { type Filters } from "../core/filters.js";
import { findNode } from "../core/lookup.js";
import { decideRemoveNode, decideUpdateNode, type NodeSpecRequest } from "../core/node-decide.js";
import { listNodes as nodeList, nodeView } from "../core/views.js";
import { commitAs, stateOf, type AppDeps } from "./context.js";

/* Nodes: `node update/promote/demote` (the whole NodeSpec at a version), `node rm`, and queries. */

export async function updateNode(deps: AppDeps, actor: Actor, input: { ref: string; version: number; spec: NodeSpecRequest }): Promise<void> {
  const requestId = randomId();
  await commitAs(deps, actor, (s) => decideUpdateNode(s, input.ref, input.version, input.spec, requestId));
}

export async function removeNode(deps: AppDeps, actor: Actor, input: { ref: string; force: boolean }): Promise<void> {
  const requestId = randomId();
  await commitAs(deps, actor, (s) => decideRemoveNode(s, input.ref, input.force, requestId));
}

export function listNodes(deps: AppDeps, filters: Filters): api.Node[] {
  const state = stateOf(deps);
  requireCluster(state);
  return nodeList(state, filters);
}

/** By id, spec name, host name or unique id prefix. */
export function inspectNode(deps: AppDeps, ref: string): api.Node {
  const state = stateOf(deps);
  requireCluster(state);
  return nodeView(state, findNode(state, ref));
}
