import { ContainersRpc, subjects, type Actor, type ContainersReply, type ContainersRequest } from "../../../schemas/index.js";
import { SwarmError, errorMessage, unavailable } from "../../shared/errors/index.js";
import { call } from "../../shared/rpc/index.js";
import { findContainer, type ContainerRecord } from "../core/container-views.js";
import { isKill, parseSignal } from "../core/signals.js";
import { stateOf, type AppDeps } from "./context.js";
import { stopContainer, type ContainerTiming } from "./containers.js";

/*
 * What Docker does to a classic container's process without changing what the log wants of it:
 * `docker kill -s SIGNAL` and `docker top`, asked of the agent of the container's node on its own
 * subject (schemas/containers-rpc.ts). A kill with SIGKILL ends the container: it is recorded as a
 * stop first (so no restart policy brings it back), then the signal cuts the stop's grace short.
 */

/** The node and task of a container whose task runs; Docker's 409 otherwise. */
function runningTask(r: ContainerRecord): { nodeId: string; taskId: string } {
  if (r.status !== "running" || !r.task?.nodeId) throw new SwarmError("conflict", `Container ${r.svc.id} is not running`);
  return { nodeId: r.task.nodeId, taskId: r.task.id };
}

function ask(deps: AppDeps, nodeId: string, body: ContainersRequest): Promise<ContainersReply> {
  if (!deps.nc) throw unavailable("this api has no bus connection to reach the container's node");
  return call(deps.nc, subjects.containersOfNode(nodeId), ContainersRpc, body);
}

/** `POST /containers/{id}/kill?signal=`: a signal other than KILL reaches the container's process; KILL stops it. */
export async function killContainer(deps: AppDeps, actor: Actor, ref: string, raw: string | undefined, timing: ContainerTiming = {}): Promise<void> {
  const signal = parseSignal(raw);
  const r = findContainer(stateOf(deps), ref);
  if (!isKill(signal)) {
    const { nodeId, taskId } = runningTask(r);
    await ask(deps, nodeId, { op: "kill", taskId, signal });
    return;
  }
  if (r.status !== "running" && r.status !== "created") throw new SwarmError("conflict", `Container ${r.svc.id} is not running`);
  await stopContainer(deps, actor, ref, timing, async (rec) => {
    if (rec.status !== "running" || !rec.task?.nodeId) return;
    // Best effort: the recorded stop ends the container anyway (after its grace period).
    await ask(deps, rec.task.nodeId, { op: "kill", taskId: rec.task.id, signal }).catch((err: unknown) => {
      deps.log?.info("SIGKILL not delivered; the container stops with its grace period", { container: rec.svc.id, err: errorMessage(err) });
    });
  });
}

/** `GET /containers/{id}/top?ps_args=`: Docker's `{Titles, Processes}` from the node's engine. */
export async function topContainer(deps: AppDeps, ref: string, psArgs: string | undefined): Promise<{ Titles: string[]; Processes: string[][] }> {
  const { nodeId, taskId } = runningTask(findContainer(stateOf(deps), ref));
  const reply = await ask(deps, nodeId, { op: "top", taskId, ...(psArgs ? { psArgs } : {}) });
  return { Titles: reply.Titles ?? [], Processes: reply.Processes ?? [] };
}
