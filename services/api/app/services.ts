import type { api } from "../../../schemas/index.js";
import type { Actor, ServiceSpec } from "../../../schemas/index.js";
import { notFound } from "../../shared/errors/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import {
  decideCreateService, decideRemoveService, decideRollbackService, decideUpdateService, requireCluster,
} from "../core/decide.js";
import { checkOwnLabel } from "../core/container-deps.js";
import { type Filters } from "../core/filters.js";
import { findService } from "../core/lookup.js";
import { checkServiceSpec } from "../core/spec-checks.js";
import * as views from "../core/views.js";
import { commitAs, fresh, limitsOf, stateOf, type AppDeps } from "./context.js";

/* Services and their tasks: commands (create, update, rollback, remove) and queries. */

/** Creates a service from a parsed spec; the id is drawn here. */
export async function createService(deps: AppDeps, actor: Actor, spec: ServiceSpec): Promise<{ ID: string }> {
  checkServiceSpec(spec, limitsOf(deps));
  checkOwnLabel(spec);
  const id = randomId();
  const f = fresh();
  await commitAs(deps, actor, (s) => decideCreateService(s, spec, id, f, limitsOf(deps)));
  return { ID: id };
}

/** A spec update at the version the client read (`ref`: id, name or unique id prefix). */
export async function updateService(deps: AppDeps, actor: Actor, input: { ref: string; version: number; spec: ServiceSpec }): Promise<void> {
  checkServiceSpec(input.spec, limitsOf(deps));
  checkOwnLabel(input.spec, findService(stateOf(deps), input.ref).spec);
  const f = fresh();
  await commitAs(deps, actor, (s) => decideUpdateService(s, input.ref, input.version, input.spec, f, limitsOf(deps)));
}

/** Manual rollback: spec and previous spec swap. */
export async function rollbackService(deps: AppDeps, actor: Actor, input: { ref: string; version: number }): Promise<void> {
  const f = fresh();
  await commitAs(deps, actor, (s) => decideRollbackService(s, input.ref, input.version, f));
}

export async function removeService(deps: AppDeps, actor: Actor, ref: string): Promise<void> {
  const f = fresh();
  await commitAs(deps, actor, (s) => decideRemoveService(s, ref, f));
}

export function listServices(deps: AppDeps, filters: Filters): api.Service[] {
  const state = stateOf(deps);
  requireCluster(state);
  return views.listServices(state, filters);
}

/** `insertDefaults` fills unset fields with Swarm's defaults (the stored spec stays sparse). */
export function inspectService(deps: AppDeps, ref: string, opts: { insertDefaults?: boolean } = {}): api.Service {
  const state = stateOf(deps);
  requireCluster(state);
  return views.serviceView(state, findService(state, ref), opts);
}

export function listTasks(deps: AppDeps, filters: Filters): api.Task[] {
  const state = stateOf(deps);
  requireCluster(state);
  return views.listTasks(state, filters);
}

/** A task by full id, else by id prefix. */
export function inspectTask(deps: AppDeps, ref: string): api.Task {
  const state = stateOf(deps);
  requireCluster(state);
  const t = state.tasks.get(ref) ?? [...state.tasks.values()].find((x) => x.id.startsWith(ref));
  if (!t) throw notFound(`task ${ref} not found`);
  return views.taskView(state, t);
}
