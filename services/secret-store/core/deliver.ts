import { taskStateRank, type SecretKind } from "../../../schemas/index.js";
import type { ClusterState } from "../../shared/model/index.js";

/*
 * Who may receive a task's secrets and configs (DESIGN §6), decided on the projection: the node the
 * task is assigned to, while the task should run (desired running) and is between assigned and
 * running (it is being prepared, started or runs), and only the versions its spec names, each of
 * which must still exist. Everything else is refused with the reason in words.
 */

export interface PayloadRef { kind: SecretKind; id: string; version: number }

export type Delivery =
  | { ok: true; refs: PayloadRef[] }
  /** `unseen`: the projection may simply be behind (the task or its assignment not folded yet). */
  | { ok: false; reason: string; unseen: boolean };

const ASSIGNED = taskStateRank("assigned");
const RUNNING = taskStateRank("running");

type Ref = { id: string; version?: number; name: string };

export function decideDelivery(state: ClusterState, nodeId: string, taskId: string): Delivery {
  const task = state.tasks.get(taskId);
  if (!task) return refuse(`task ${taskId} is unknown`, true);
  if (task.nodeId !== nodeId) return refuse(`task ${taskId} is not assigned to node ${nodeId}`, task.nodeId === undefined);
  if (task.desiredState !== "running") return refuse(`task ${taskId} is not meant to run (desired state ${task.desiredState})`, false);
  const rank = taskStateRank(task.state);
  if (rank < ASSIGNED) return refuse(`task ${taskId} is ${task.state}, not yet assigned`, true);
  if (rank > RUNNING) return refuse(`task ${taskId} has ended (${task.state})`, false);
  const c = task.spec.ContainerSpec;
  const secrets = (c.Secrets ?? []).map((r) => ({ id: r.SecretID, version: r.Version, name: r.SecretName }));
  const configs = (c.Configs ?? []).map((r) => ({ id: r.ConfigID, version: r.Version, name: r.ConfigName }));
  const refs: PayloadRef[] = [];
  for (const [kind, list, views] of [["secret", secrets, state.secrets], ["config", configs, state.configs]] as const) {
    for (const r of list) {
      const why = missing(kind, r, views);
      if (why) return refuse(`task ${taskId}: ${why}`, true);
      refs.push({ kind, id: r.id, version: r.version! });
    }
  }
  return { ok: true, refs };
}

/** Why a reference cannot be served, or undefined when its version exists. */
function missing(kind: SecretKind, r: Ref, views: ClusterState["secrets"]): string | undefined {
  if (r.version === undefined) return `${kind} ${r.name} is referenced without a version`;
  const view = views.get(r.id);
  if (!view) return `${kind} ${r.name} (${r.id}) does not exist`;
  if (!view.versions.some((v) => v.version === r.version)) return `${kind} ${r.name} has no version ${r.version}`;
  return undefined;
}

function refuse(reason: string, unseen: boolean): Delivery {
  return { ok: false, reason, unseen };
}
