import { z } from "zod";
import { ControlPlaneScaleRequest, JoinRequest } from "../../../schemas/api.js";
import type { Actor } from "../../../schemas/index.js";
import * as app from "../app/index.js";
import { EVENT_FILTERS } from "../core/audit-events.js";
import { parseFilters } from "../core/filters.js";
import { route, type Request, type Route } from "./http.js";
import { parse, queryOf } from "./parse.js";

/*
 * jetswarm's own routes, under their own prefix so that the Docker Engine API adapter can own
 * Docker's paths exactly (Docker's `/events` is a stream of engine events, its `/swarm/join` joins
 * this engine to a swarm): the node join with a token, the control plane, the log, audit.
 */

export const JETSWARM_PREFIX = "/jetswarm";

/** `swarm token create NAME`: the name is checked by the decider (it names the actor). */
/** `swarm ca --rotate [--ca-cert FILE --ca-key FILE]`: the PEM texts of a root the user brings, else none. */
const CaRotateRequest = z.strictObject({
  CACert: z.string({ error: "CACert: a PEM string" }).min(1, "CACert: empty").optional(),
  CAKey: z.string({ error: "CAKey: a PEM string" }).min(1, "CAKey: empty").optional(),
});

const TokenCreateRequest = z.strictObject({ Name: z.string({ error: "Name: required (a string)" }) });

export function jetswarmRoutes(deps: app.AppDeps, actor: (req: Request) => Actor): Route[] {
  const p = JETSWARM_PREFIX;
  const stream = (req: Request) => ({ stream: queryOf(req, "stream") });
  return [
    // Open: a joiner checks this certificate against its token's digest (it has no credential yet).
    route("GET", `${p}/ca`, async () => ({ status: 200, body: await app.caInfo(deps) }), { open: true }),
    route("GET", `${p}/ca/rotation`, async () => ({ status: 200, body: app.caRotation(deps) })),
    route("POST", `${p}/ca/rotate`, async (req) => {
      const body = parse(CaRotateRequest, req.body ?? {});
      const input = { ...(body.CACert !== undefined ? { caCert: body.CACert } : {}), ...(body.CAKey !== undefined ? { caKey: body.CAKey } : {}) };
      return { status: 200, body: await app.rotateCa(deps, actor(req), input) };
    }),
    // Open: a joining node has no credential yet; its join token is checked instead.
    route("POST", `${p}/join`, async (req) => ({ status: 200, body: await app.joinNode(deps, parse(JoinRequest, req.body)) }), { open: true }),

    route("GET", `${p}/tokens`, async () => ({ status: 200, body: app.listApiTokens(deps) })),
    route("POST", `${p}/tokens`, async (req) =>
      ({ status: 201, body: await app.createApiToken(deps, actor(req), parse(TokenCreateRequest, req.body)) })),
    route("DELETE", `${p}/tokens/:id`, async (req) => {
      await app.removeApiToken(deps, actor(req), req.params.id!);
      return { status: 200 };
    }),

    route("GET", `${p}/control-plane`, async () => ({ status: 200, body: await app.controlPlaneMembers(deps) })),
    route("GET", `${p}/control-plane/scale`, async () => ({ status: 200, body: app.controlPlaneScale(deps) })),
    route("POST", `${p}/control-plane/scale`, async (req) =>
      ({ status: 200, body: await app.scaleControlPlane(deps, actor(req), parse(ControlPlaneScaleRequest, req.body)) })),

    route("GET", `${p}/events`, async (req) => {
      const q = {
        ...stream(req), filters: parseFilters(req.query.get("filters"), EVENT_FILTERS),
        since: queryOf(req, "since"), until: queryOf(req, "until"), wait: queryOf(req, "wait"),
      };
      return { status: 200, body: await app.eventsPage(deps, q) };
    }),
    route("GET", `${p}/audit/state`, async (req) => ({ status: 200, body: await app.auditState(deps, { ...stream(req), at: queryOf(req, "at") }) })),
    route("GET", `${p}/audit/diff`, async (req) =>
      ({ status: 200, body: await app.auditDiffOf(deps, { ...stream(req), from: queryOf(req, "from"), to: queryOf(req, "to") }) })),
    route("POST", `${p}/audit/verify`, async (req) => ({ status: 200, body: await app.verifyLog(deps, stream(req)) })),
    route("POST", `${p}/audit/seal`, async (req) => ({ status: 200, body: await app.sealLog(deps, stream(req)) })),
  ];
}
