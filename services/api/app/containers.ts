import type { Actor, ServiceSpec } from "../../../schemas/index.js";
import { subjects, taskStateRank } from "../../../schemas/index.js";
import { alreadyExists, errorMessage, SwarmError } from "../../shared/errors/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { tasksOfService, versionOf, type ClusterState } from "../../shared/model/index.js";
import { classicExprs, eligibleNodes, placedTarget, placementConstraints, unsatisfiable } from "../core/classic-filters.js";
import { dependencies, dependencyRefs, linkedDependents, resolveDependencies } from "../core/container-deps.js";
import { checkContainerName, containerServiceSpec, type ContainerCreateBody } from "../core/container-spec.js";
import { classicCounts, classicSystemStatus, inspectContainer as containerInspect } from "../core/container-inspect.js";
import * as views from "../core/container-views.js";
import { findContainer, placedContainers, type ContainerRecord } from "../core/container-views.js";
import { type Filters } from "../core/filters.js";
import { decideCreateService, decideRemoveService, decideUpdateService, requireCluster } from "../core/decide.js";
import { checkServiceSpec } from "../core/spec-checks.js";
import { commitAs, fresh, limitsOf, stateOf, type AppDeps } from "./context.js";
import type { LogTarget } from "./logs.js";

/*
 * Classic Swarm's containers (`docker run` against the cluster): each is a one-replica service
 * marked as a container (core/container-spec.ts), placed by the scheduler on the nodes classic
 * Swarm's filters allow (core/classic-filters.ts). Stop scales it to 0 pinned to its node, start
 * back to 1; remove removes the service. Everything goes through the log.
 */

export interface ContainerTiming {
  /** How long create waits for the scheduler's decision, ms. Default 30000. */
  placeTimeoutMs?: number;
  /** How long stop waits for the task to end, ms. Default 30000. */
  stopTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the projection until `done` gives a value or the deadline passes (then undefined). */
async function waitState<T>(deps: AppDeps, timeoutMs: number, done: (s: ClusterState) => T | undefined): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = done(stateOf(deps));
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(20);
  }
}

/** `POST /containers/create`: recorded, then placed; a container no node can take is refused and removed. */
export async function createContainer(
  deps: AppDeps, actor: Actor, input: { name?: string; body: ContainerCreateBody }, timing: ContainerTiming = {},
): Promise<{ Id: string; Warnings: string[] }> {
  const state = stateOf(deps);
  requireCluster(state);
  const id = randomId();
  const name = (input.name ?? `classic-${id.slice(0, 10)}`).replace(/^\//, "");
  checkContainerName(name);
  const existing = [...state.services.values()].find((s) => !s.removed && s.spec.Name === name);
  if (existing) {
    throw alreadyExists(`Conflict. The container name "/${name}" is already in use by container "${existing.id}". You have to remove (or rename) that container to be able to reuse that name.`);
  }
  const body = input.body;
  const { env } = classicExprs({ env: body.Env ?? [], labels: body.Labels ?? {} });
  const others = placedContainers(state);
  const eligible = eligibleNodes(state, others, { env: body.Env ?? [], labels: body.Labels ?? {}, dependsOn: dependencies(body) });
  const targets = resolveDependencies(dependencyRefs(body), (ref) => placedTarget(others, ref));
  const spec = containerServiceSpec(name, body, env, placementConstraints(state, eligible), targets);
  if (deps.classicStrategy) spec.TaskTemplate.Placement = { ...spec.TaskTemplate.Placement, Strategy: deps.classicStrategy };
  checkServiceSpec(spec, limitsOf(deps));
  const f = fresh();
  await commitAs(deps, actor, (s) => decideCreateService(s, spec, id, f, limitsOf(deps)));
  const placed = await waitState(deps, timing.placeTimeoutMs ?? 30_000, (s) => {
    const t = tasksOfService(s, id)[0];
    if (t?.nodeId) return { ok: true as const };
    return t?.err ? { ok: false as const, err: t.err } : undefined;
  });
  if (placed && !placed.ok) {
    await commitAs(deps, actor, (s) => decideRemoveService(s, id, fresh()));
    throw unsatisfiable([placed.err]);
  }
  return { Id: id, Warnings: placed ? [] : ["not placed yet: the scheduler has not decided within the create's wait"] };
}

/** A new spec for the container at its current version (re-decided on a concurrent write). */
function respec(deps: AppDeps, actor: Actor, id: string, change: (spec: ServiceSpec, r: ContainerRecord) => ServiceSpec): Promise<number> {
  const f = fresh();
  return commitAs(deps, actor, (s) => {
    const r = findContainer(s, id);
    return decideUpdateService(s, id, versionOf(s, subjects.event("service", id)), change(r.svc.spec, r), f, limitsOf(deps));
  });
}

const replicasOf = (spec: ServiceSpec) => (spec.Mode && "Replicated" in spec.Mode ? spec.Mode.Replicated.Replicas ?? 1 : 1);

/** The node constraint that keeps a stopped container where it ran (its volumes, its image). */
function pinned(spec: ServiceSpec, nodeId: string | undefined): ServiceSpec["TaskTemplate"]["Placement"] {
  const rest = (spec.TaskTemplate.Placement?.Constraints ?? []).filter((c) => !c.startsWith("node.id"));
  return { ...spec.TaskTemplate.Placement, Constraints: nodeId ? [...rest, `node.id==${nodeId}`] : rest };
}

/** `POST /containers/{id}/start`: false when it was already started (Docker's 304). */
export async function startContainer(deps: AppDeps, actor: Actor, ref: string, timing: ContainerTiming = {}): Promise<boolean> {
  const r = findContainer(stateOf(deps), ref);
  if (replicasOf(r.svc.spec) > 0) return false;
  await respec(deps, actor, r.svc.id, (spec) => ({ ...spec, Mode: { Replicated: { Replicas: 1 } } }));
  await followTarget(deps, actor, r.svc.id, timing);
  return true;
}

/**
 * The started containers that use a just-started one by `--link` or `--net=container:` are
 * re-created (a ForceUpdate bump: the orchestrator replaces their task) once it runs, so their
 * new engine containers are made with its new one: Docker re-points a link when its target
 * restarts, and a shared network namespace would otherwise be gone for good. A target that does
 * not run within the wait leaves them as they are (their next start re-resolves it).
 */
async function followTarget(deps: AppDeps, actor: Actor, targetId: string, timing: ContainerTiming): Promise<void> {
  const dependents = linkedDependents(stateOf(deps).services.values(), targetId);
  if (!dependents.length) return;
  const runs = await waitState(deps, timing.placeTimeoutMs ?? 30_000, (s) =>
    tasksOfService(s, targetId).some((t) => t.desiredState === "running" && t.state === "running") ? true : undefined);
  if (!runs) return;
  for (const id of dependents) {
    await respec(deps, actor, id, (spec) => ({ ...spec, TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate.ForceUpdate ?? 0) + 1 } }))
      .catch((err: unknown) => deps.log?.warn("a dependent container was not re-created", { container: id, target: targetId, err: errorMessage(err) }));
  }
}

/**
 * `POST /containers/{id}/stop` (and `kill`): scaled to 0, pinned to its node; answers once the task
 * ended. `recorded` runs once the stop is in the log (a kill's SIGKILL: no restart can follow it).
 */
export async function stopContainer(
  deps: AppDeps, actor: Actor, ref: string, timing: ContainerTiming = {}, recorded?: (r: ContainerRecord) => Promise<void>,
): Promise<boolean> {
  const r = findContainer(stateOf(deps), ref);
  if (replicasOf(r.svc.spec) === 0) return false;
  await respec(deps, actor, r.svc.id, (spec, cur) => ({
    ...spec, Mode: { Replicated: { Replicas: 0 } }, TaskTemplate: { ...spec.TaskTemplate, Placement: pinned(spec, cur.task?.nodeId) },
  }));
  await recorded?.(r);
  await waitState(deps, timing.stopTimeoutMs ?? 30_000, (s) =>
    tasksOfService(s, r.svc.id).every((t) => taskStateRank(t.state) > taskStateRank("running") || !t.nodeId) ? true : undefined);
  return true;
}

/** `DELETE /containers/{id}[?force=1]`: a running one only with force (Docker's 409 otherwise). */
export async function removeContainer(deps: AppDeps, actor: Actor, ref: string, force: boolean): Promise<void> {
  const r = findContainer(stateOf(deps), ref);
  // A started container whose task has not reported running yet (a restart, a slow start) is as
  // running as docker's "restarting" one: removed only with force.
  const active = r.status === "running" || (r.status === "created" && replicasOf(r.svc.spec) > 0);
  if (active && !force) {
    throw new SwarmError("conflict", `You cannot remove a running container ${r.svc.id}. Stop the container before attempting removal or force remove`);
  }
  const f = fresh();
  await commitAs(deps, actor, (s) => decideRemoveService(s, r.svc.id, f));
}

/** `GET /containers/json`. */
export function listContainers(deps: AppDeps, filters: Filters, all: boolean): unknown[] {
  const state = stateOf(deps);
  requireCluster(state);
  return views.listContainers(state, filters, all, deps.now());
}

/** `GET /containers/{id}/json`. */
export function inspectContainer(deps: AppDeps, ref: string): unknown {
  const state = stateOf(deps);
  requireCluster(state);
  return containerInspect(state, findContainer(state, ref));
}

/** Whose logs `GET /containers/{id}/logs` streams: every task the container has had. */
export function containerLogTarget(deps: AppDeps, ref: string): LogTarget {
  return { serviceId: findContainer(stateOf(deps), ref).svc.id };
}

/** Classic Swarm's fields of `GET /info`: the node list (`SystemStatus`) and container counts. */
export function classicInfo(deps: AppDeps): { SystemStatus: Array<[string, string]> } & ReturnType<typeof classicCounts> {
  const state = stateOf(deps);
  return { SystemStatus: classicSystemStatus(state, deps.classicStrategy ?? "spread"), ...classicCounts(state) };
}
