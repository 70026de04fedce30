import { z } from "zod";
import { InitRequest, SwarmUpdateRequest, swarmUpdateRequestWithFloor } from "../../../schemas/api.js";
import { QueryVersion, ServiceSpec } from "../../../schemas/index.js";
import * as app from "../app/index.js";
import { requestActor } from "../core/actor.js";
import { parseFilters, type FilterValues, type Filters } from "../core/filters.js";
import { NodeSpecRequest } from "../core/node-decide.js";
import {
  NODE_FILTER_VALUES, NODE_FILTERS, SERVICE_FILTER_VALUES, SERVICE_FILTERS, TASK_FILTER_VALUES, TASK_FILTERS,
} from "../core/views.js";
import { route, type Reply, type Request, type Route } from "./http.js";
import { jetswarmRoutes } from "./jetswarm-routes.js";
import { logRoutes } from "./log-routes.js";
import { ListCache } from "./list-cache.js";
import { networkRoutes } from "./network-routes.js";
import { secretRoutes } from "./secret-routes.js";
import { containerRoutes } from "./container-routes.js";
import { autolockRoutes, gateLocked, unlockKeyRoutes } from "./autolock-routes.js";
import { parse, queryOf } from "./parse.js";
import { defaultEngineDeps, engineRoutes, type EngineDeps } from "./engine-routes.js";
import { engineServiceSpec, registryAuthProblem } from "../core/engine-spec.js";
import { DockerSwarmSpec, isDockerSwarmSpec, swarmUpdateFromDocker } from "../core/engine-swarm.js";

/*
 * The HTTP adapter: each route parses the request (zod; a failure names the field), calls the
 * application layer (`app/`) and shapes the reply. Paths in the Docker Engine API's shape live
 * here; jetswarm's own (control plane, audit, the log, join) under JETSWARM_PREFIX.
 */

export type RouteDeps = app.AppDeps;

const Version = QueryVersion;
/** Docker's `?rollback=previous`; any other non-empty value is refused. */
const Rollback = z.enum(["", "previous"], { error: `rollback: must be "previous"` }).optional();
const Bool = (name: string) => z.enum(["", "0", "1", "false", "true"], { error: `${name}: must be true or false` }).optional();
const InsertDefaults = Bool("insertDefaults");
const Force = Bool("force");
const RotateWorker = Bool("rotateWorkerToken");
const RotateManager = Bool("rotateManagerToken");
const RotateUnlockKey = Bool("rotateManagerUnlockKey");
const isTrue = (v: string | undefined) => v === "1" || v === "true";
const headerOf = (req: Request, name: string): string | undefined => {
  const v = req.headers?.[name];
  return Array.isArray(v) ? v[0] : v;
};

export function apiRoutes(deps: RouteDeps, engine: EngineDeps = defaultEngineDeps()): Route[] {
  const actor = (req: Request) => requestActor(req.remoteAddress, deps.instanceId ?? "api", req.identity);
  const lists = new ListCache(() => deps.informer.seq);
  const updateRequest = deps.certExpiryFloorMs === undefined ? SwarmUpdateRequest : swarmUpdateRequestWithFloor(deps.certExpiryFloorMs);
  /** Parsed filters by list and raw text: parsing (zod) would cost more than sending a cached list. */
  const parsed = new Map<string, Filters>();
  /** A list from the cache: same filters at the same projection sequence, same text. */
  const list = (name: string, req: Request, keys: readonly string[], values: FilterValues, render: (f: Filters) => unknown): Reply => {
    const key = `${name}\0${req.query.get("filters") ?? ""}`;
    let filters = parsed.get(key);
    if (!filters) {
      filters = parseFilters(req.query.get("filters"), keys, values);
      if (parsed.size >= 1_024) parsed.clear();
      parsed.set(key, filters);
    }
    const f = filters;
    return { status: 200, text: lists.text(key, () => render(f)) };
  };

  return gateLocked(deps, [
    ...engineRoutes(deps, engine),
    ...autolockRoutes(deps),
    ...unlockKeyRoutes(deps),
    route("GET", "/swarm", async () => ({ status: 200, body: await app.clusterInfo(deps) })),
    route("POST", "/swarm/init", async (req) => {
      const request = parse(InitRequest, req.body);
      const body = await app.initCluster(deps, actor(req), request);
      if (request.AutoLockManagers) await app.setAutolock(deps, actor(req), true);
      return { status: 200, body };
    }),
    route("POST", "/swarm/update", async (req) => {
      // Docker's whole swarm Spec (`docker swarm update`) names what it changes as jetswarm's request.
      const body = isDockerSwarmSpec(req.body) ? swarmUpdateFromDocker(parse(DockerSwarmSpec, req.body), app.requireClusterOf(deps)) : req.body;
      const request = parse(updateRequest, body);
      const raw = queryOf(req, "version");
      await app.updateCluster(deps, actor(req), { request, ...(raw === undefined ? {} : { version: parse(Version, raw) }) });
      if (request.AutoLockManagers !== undefined) await app.setAutolock(deps, actor(req), request.AutoLockManagers);
      // Docker's `?rotateManagerUnlockKey=true` (`swarm unlock-key --rotate`).
      if (isTrue(parse(RotateUnlockKey, queryOf(req, "rotateManagerUnlockKey")))) await app.rotateUnlockKey(deps, actor(req));
      // Docker's `?rotateWorkerToken=true&rotateManagerToken=true` (`swarm join-token --rotate`).
      if (isTrue(parse(RotateWorker, queryOf(req, "rotateWorkerToken")))) await app.rotateJoinToken(deps, actor(req), "worker");
      if (isTrue(parse(RotateManager, queryOf(req, "rotateManagerToken")))) await app.rotateJoinToken(deps, actor(req), "manager");
      return { status: 200 };
    }),

    route("GET", "/nodes", async (req) => list("nodes", req, NODE_FILTERS, NODE_FILTER_VALUES, (f) => app.listNodes(deps, f))),
    route("GET", "/nodes/:id", async (req) => ({ status: 200, body: app.inspectNode(deps, req.params.id!) })),
    route("POST", "/nodes/:id/update", async (req) => {
      const version = parse(Version, queryOf(req, "version"));
      await app.updateNode(deps, actor(req), { ref: req.params.id!, version, spec: parse(NodeSpecRequest, req.body) });
      return { status: 200 };
    }),
    route("DELETE", "/nodes/:id", async (req) => {
      await app.removeNode(deps, actor(req), { ref: req.params.id!, force: isTrue(parse(Force, queryOf(req, "force"))) });
      return { status: 200 };
    }),

    route("POST", "/services/create", async (req) => {
      registryAuthProblem(headerOf(req, "x-registry-auth"));
      return { status: 201, body: await app.createService(deps, actor(req), parse(ServiceSpec, engineServiceSpec(req.body))) };
    }),
    route("GET", "/services", async (req) => list("services", req, SERVICE_FILTERS, SERVICE_FILTER_VALUES, (f) => app.listServices(deps, f))),
    route("GET", "/services/:id", async (req) => {
      const insertDefaults = isTrue(parse(InsertDefaults, queryOf(req, "insertDefaults")));
      return { status: 200, body: app.inspectService(deps, req.params.id!, { insertDefaults }) };
    }),
    route("POST", "/services/:id/update", async (req) => {
      const ref = req.params.id!;
      const version = parse(Version, queryOf(req, "version"));
      // With rollback=previous the body (docker sends the current spec) is not used: the previous spec is the target.
      if (parse(Rollback, queryOf(req, "rollback")) === "previous") await app.rollbackService(deps, actor(req), { ref, version });
      else {
        registryAuthProblem(headerOf(req, "x-registry-auth"));
        await app.updateService(deps, actor(req), { ref, version, spec: parse(ServiceSpec, engineServiceSpec(req.body)) });
      }
      return { status: 200, body: { Warnings: [] } };
    }),
    route("DELETE", "/services/:id", async (req) => {
      await app.removeService(deps, actor(req), req.params.id!);
      return { status: 200 };
    }),

    route("GET", "/tasks", async (req) => list("tasks", req, TASK_FILTERS, TASK_FILTER_VALUES, (f) => app.listTasks(deps, f))),
    route("GET", "/tasks/:id", async (req) => ({ status: 200, body: app.inspectTask(deps, req.params.id!) })),
    ...logRoutes(deps),
    ...secretRoutes(deps, actor),
    ...networkRoutes(deps, actor),
    ...containerRoutes(deps, actor),
    ...jetswarmRoutes(deps, actor),
  ]);
}
