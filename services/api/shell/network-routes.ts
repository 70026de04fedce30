import type { Actor } from "../../../schemas/index.js";
import { NetworkCreateRequest } from "../../../schemas/network-api.js";
import * as app from "../app/index.js";
import { parseFilters } from "../core/filters.js";
import { PRUNE_FILTERS } from "../core/network-decide.js";
import { NETWORK_FILTER_VALUES, NETWORK_FILTERS } from "../core/network-views.js";
import { route, type Request, type Route } from "./http.js";
import { parse } from "./parse.js";

/* Networks in the Engine API's shape (1.41 `/networks`): create, list, inspect, remove, prune. */

export function networkRoutes(deps: app.AppDeps, actor: (req: Request) => Actor): Route[] {
  return [
    route("GET", "/networks", async (req) =>
      ({ status: 200, body: app.listNetworks(deps, parseFilters(req.query.get("filters"), NETWORK_FILTERS, NETWORK_FILTER_VALUES)) })),
    route("POST", "/networks/create", async (req) =>
      ({ status: 201, body: await app.createNetwork(deps, actor(req), parse(NetworkCreateRequest, req.body)) })),
    route("POST", "/networks/prune", async (req) =>
      ({ status: 200, body: await app.pruneNetworks(deps, actor(req), parseFilters(req.query.get("filters"), PRUNE_FILTERS)) })),
    route("GET", "/networks/:id", async (req) => ({ status: 200, body: app.inspectNetwork(deps, req.params.id!) })),
    route("DELETE", "/networks/:id", async (req) => {
      await app.removeNetwork(deps, actor(req), req.params.id!);
      return { status: 204 };
    }),
  ];
}
