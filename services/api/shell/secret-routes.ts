import type { Actor } from "../../../schemas/index.js";
import { ObjectCreateRequest, RotateRequest } from "../../../schemas/secret-api.js";
import * as app from "../app/index.js";
import { parseFilters } from "../core/filters.js";
import type { ObjectKind } from "../core/secret-decide.js";
import { OBJECT_FILTERS } from "../core/secret-views.js";
import { route, type Request, type Route } from "./http.js";
import { JETSWARM_PREFIX } from "./jetswarm-routes.js";
import { parse, queryOf } from "./parse.js";
import { QueryVersion } from "../../../schemas/index.js";

/*
 * Secrets and configs in the Engine API's shape (`/secrets`, `/configs`: create, list, inspect,
 * remove) and jetswarm's rotate (`POST /jetswarm/secrets/{id}/rotate`). Payloads arrive base64
 * in JSON, as Docker sends them: a config just under 1000 KiB is 1.33 MiB of body, within the
 * router's 4 MiB limit; a larger one is refused by size in Swarm's words, a body over 4 MiB with 413.
 */

const bytesOf = (b64: string | undefined): Uint8Array => Buffer.from(b64 ?? "", "base64");

function kindRoutes(deps: app.AppDeps, actor: (req: Request) => Actor, kind: ObjectKind): Route[] {
  const p = `/${kind}s`;
  return [
    route("GET", p, async (req) => {
      const filters = parseFilters(req.query.get("filters"), OBJECT_FILTERS);
      return { status: 200, body: kind === "secret" ? app.listSecrets(deps, filters) : app.listConfigs(deps, filters) };
    }),
    route("POST", `${p}/create`, async (req) => {
      const body = parse(ObjectCreateRequest, req.body);
      const input = { name: body.Name, labels: body.Labels ?? {}, data: bytesOf(body.Data) };
      return { status: 201, body: await app.createObject(deps, actor(req), kind, input) };
    }),
    route("GET", `${p}/:id`, async (req) =>
      ({ status: 200, body: kind === "secret" ? app.inspectSecret(deps, req.params.id!) : await app.inspectConfig(deps, req.params.id!) })),
    // Docker's update: only an unchanged spec is accepted (docker stack deploy re-sends existing objects).
    route("POST", `${p}/:id/update`, async (req) => {
      const body = parse(ObjectCreateRequest, req.body);
      const version = parse(QueryVersion, queryOf(req, "version"));
      const input = { ref: req.params.id!, version, name: body.Name, labels: body.Labels ?? {}, ...(body.Data === undefined ? {} : { data: bytesOf(body.Data) }) };
      await app.updateObjectUnchanged(deps, kind, input);
      return { status: 200 };
    }),
    route("DELETE", `${p}/:id`, async (req) => {
      await app.removeObject(deps, actor(req), kind, req.params.id!);
      return { status: 204 };
    }),
    route("POST", `${JETSWARM_PREFIX}${p}/:id/rotate`, async (req) => {
      const body = parse(RotateRequest, req.body);
      return { status: 200, body: await app.rotateObject(deps, actor(req), kind, req.params.id!, bytesOf(body.Data)) };
    }),
  ];
}

export function secretRoutes(deps: app.AppDeps, actor: (req: Request) => Actor): Route[] {
  return [...kindRoutes(deps, actor, "secret"), ...kindRoutes(deps, actor, "config")];
}
