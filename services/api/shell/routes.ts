import { hostname } from "node:os";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { InitRequest, JoinRequest, SwarmUpdateRequest } from "../../../schemas/api.js";
import { QueryVersion, formatZodError, ServiceSpec, SPEC_LIMITS, type Actor, type SpecLimits } from "../../../schemas/index.js";
import { decideAndCommit } from "../../shared/reconcile/index.js";
import { invalidArgument, notFound } from "../../shared/errors/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { type ClusterState, type EventStore, type PlannedEvent } from "../../shared/model/index.js";
import { type Informer } from "../../shared/projection/index.js";
import {
  decideCreateService, decideInitCluster, decideJoin, decideNodeJoin, decideRemoveService, decideRollbackService,
  decideUpdateCluster, decideUpdateService, requireCluster, roleOfToken, type Fresh,
} from "../core/decide.js";
import { parseFilters } from "../core/filters.js";
import { findNode, findService } from "../core/lookup.js";
import {
  clusterInfo, listNodes, listServices, listTasks, NODE_FILTERS, nodeView, SERVICE_FILTERS, serviceView, TASK_FILTERS, taskView,
} from "../core/views.js";
import { route, type Route } from "./http.js";
import { joinTokens } from "./tokens.js";
import { nodeRoutes } from "./node-routes.js";
import { controlPlaneRoutes } from "./control-plane-routes.js";
import { auditRoutes } from "./audit-routes.js";
import { checkServiceSpec } from "../core/spec-checks.js";
import { joinActor, requestActor } from "../core/actor.js";

export interface RouteDeps {
  store: EventStore;
  informer: Informer;
  now: () => Date;
  /** For `GET /control-plane` (KV swarm-members, swarm-leases). */
  nc?: NatsConnection;
  /** This api instance (`api-1234`): the `via` of every actor it records. Default `api`. */
  instanceId?: string;
  /** Spec limits (replicas per service, tasks per cluster, sizes). Default SPEC_LIMITS. */
  limits?: SpecLimits;
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidArgument(formatZodError(r.error));
  return r.data;
}

function fresh(): Fresh {
  return { requestId: randomId(), clusterId: randomId(), nodeId: randomId(), ...joinTokens() };
}

const Version = QueryVersion;
/** Docker's `?rollback=previous`; any other non-empty value is refused. */
const Rollback = z.enum(["", "previous"], { error: `rollback: must be "previous"` }).optional();
const InsertDefaults = z.enum(["", "0", "1", "false", "true"], { error: "insertDefaults: must be true or false" }).optional();
const query = (req: { query: URLSearchParams }, key: string) => req.query.get(key) ?? undefined;

export function apiRoutes(deps: RouteDeps): Route[] {
  const { store, informer } = deps;
  const state = (): ClusterState => informer.state;
  const api = deps.instanceId ?? "api";
  const limits = deps.limits ?? SPEC_LIMITS;
  /** Decide on the projection, append as `actor`, return once the projection applied it. */
  const commitAs = (actor: Actor, decide: (s: ClusterState) => PlannedEvent[]) =>
    decideAndCommit(store, informer, decide, () => ({ actor, now: deps.now() }));

  return [
    route("GET", "/_ping", async () => ({ status: 200, body: "OK" })),
    route("GET", "/swarm", async () => ({ status: 200, body: clusterInfo(state(), requireCluster(state())) })),
    route("POST", "/swarm/init", async (req) => {
      const body = parse(InitRequest, req.body);
      const f = fresh();
      await commitAs(requestActor(req.remoteAddress, api), (s) => decideInitCluster(s, body, f));
      await commitAs(requestActor(req.remoteAddress, api), (s) => decideNodeJoin(s, { name: body.NodeName ?? hostname(), role: "manager" }, f));
      return { status: 200, body: { ClusterID: f.clusterId, NodeID: f.nodeId } };
    }),
    route("POST", "/swarm/update", async (req) => {
      const body = parse(SwarmUpdateRequest, req.body);
      const raw = query(req, "version");
      const version = raw === undefined ? undefined : parse(Version, raw);
      const f = fresh();
      await commitAs(requestActor(req.remoteAddress, api), (s) => decideUpdateCluster(s, body, version, f));
      return { status: 200 };
    }),
    route("POST", "/swarm/join", async (req) => {
      const body = parse(JoinRequest, req.body);
      const f = fresh();
      await commitAs(joinActor(roleOfToken(requireCluster(state()), body.JoinToken), api), (s) => decideJoin(s, body, f));
      const node = state().nodes.get(f.nodeId);
      return { status: 200, body: { NodeID: f.nodeId, Role: node?.role ?? "worker", HeartbeatPeriodMs: requireCluster(state()).heartbeatPeriodMs } };
    }),

    route("GET", "/nodes", async (req) => {
      requireCluster(state());
      return { status: 200, body: listNodes(state(), parseFilters(req.query.get("filters"), NODE_FILTERS)) };
    }),
    route("GET", "/nodes/:id", async (req) => {
      requireCluster(state());
      return { status: 200, body: nodeView(state(), findNode(state(), req.params.id!)) };
    }),

    route("POST", "/services/create", async (req) => {
      const spec = parse(ServiceSpec, req.body);
      checkServiceSpec(spec, limits);
      const id = randomId();
      const f = fresh();
      await commitAs(requestActor(req.remoteAddress, api), (s) => decideCreateService(s, spec, id, f, limits));
      return { status: 201, body: { ID: id } };
    }),
    route("GET", "/services", async (req) => {
      requireCluster(state());
      return { status: 200, body: listServices(state(), parseFilters(req.query.get("filters"), SERVICE_FILTERS)) };
    }),
    route("GET", "/services/:id", async (req) => {
      requireCluster(state());
      const insert = parse(InsertDefaults, query(req, "insertDefaults"));
      const insertDefaults = insert === "1" || insert === "true";
      return { status: 200, body: serviceView(state(), findService(state(), req.params.id!), { insertDefaults }) };
    }),
    route("POST", "/services/:id/update", async (req) => {
      const version = parse(Version, query(req, "version"));
      const f = fresh();
      if (parse(Rollback, query(req, "rollback")) === "previous") {
        // The body (docker sends the current spec) is not used: the previous spec is the target.
        await commitAs(requestActor(req.remoteAddress, api), (s) => decideRollbackService(s, req.params.id!, version, f));
      } else {
        const spec = parse(ServiceSpec, req.body);
        checkServiceSpec(spec, limits);
        await commitAs(requestActor(req.remoteAddress, api), (s) => decideUpdateService(s, req.params.id!, version, spec, f, limits));
      }
      return { status: 200, body: { Warnings: [] } };
    }),
    route("DELETE", "/services/:id", async (req) => {
      const f = fresh();
      await commitAs(requestActor(req.remoteAddress, api), (s) => decideRemoveService(s, req.params.id!, f));
      return { status: 200 };
    }),

    route("GET", "/tasks", async (req) => {
      requireCluster(state());
      return { status: 200, body: listTasks(state(), parseFilters(req.query.get("filters"), TASK_FILTERS)) };
    }),
    route("GET", "/tasks/:id", async (req) => {
      requireCluster(state());
      const t = state().tasks.get(req.params.id!)
        ?? [...state().tasks.values()].find((x) => x.id.startsWith(req.params.id!));
      if (!t) throw notFound(`task ${req.params.id} not found`);
      return { status: 200, body: taskView(state(), t) };
    }),
    ...nodeRoutes(deps),
    ...controlPlaneRoutes({ ...deps, actorOf: (req) => requestActor(req.remoteAddress, api) }),
    ...auditRoutes(deps),
  ];
}
