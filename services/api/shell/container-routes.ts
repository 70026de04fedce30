import { z } from "zod";
import type { Actor } from "../../../schemas/index.js";
import * as app from "../app/index.js";
import { encodeFrame } from "../../shared/docker-stream/index.js";
import { ContainerCreateBody } from "../core/container-spec.js";
import { CONTAINER_FILTER_VALUES, CONTAINER_FILTERS } from "../core/container-views.js";
import { parseFilters } from "../core/filters.js";
import { route, type Request, type Route } from "./http.js";
import { logsQuery } from "./log-routes.js";
import { parse, queryOf } from "./parse.js";

/*
 * Classic Swarm's container endpoints (the cluster as one Docker host): `docker run -d`, `ps`,
 * `inspect`, `logs`, `stop`, `start`, `restart`, `kill [-s]`, `top`, `rm`. Images are pulled by the node that
 * runs the container (the agent pulls a missing one), so create never answers "No such image"
 * and the CLI never calls `/images/create`.
 */

const Bool = (name: string) => z.enum(["", "0", "1", "false", "true"], { error: `${name}: must be true or false` }).optional();
const isTrue = (v: string | undefined) => v === "1" || v === "true";
const flag = (req: Request, name: string) => isTrue(parse(Bool(name), queryOf(req, name)));
/** Docker's rule for `?name=`; the rest of the check is the app's. */
const Name = z.string().regex(/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "name: invalid container name").optional();
const Signal = z.string().max(32, "signal: too long").optional();
const PsArgs = z.string().max(256, "ps_args: at most 256 characters").regex(/^[\w ,=:%+.-]*$/, "ps_args: only ps options (letters, digits, spaces and ,=:%+.-_)").optional();
const MULTIPLEXED = "application/vnd.docker.multiplexed-stream";

export function containerRoutes(deps: app.AppDeps, actor: (req: Request) => Actor, timing: app.ContainerTiming = {}): Route[] {
  /** 204 when it changed something, Docker's 304 when it was already so. */
  const changed = (done: boolean) => ({ status: done ? 204 : 304 });
  return [
    route("POST", "/containers/create", async (req) => {
      const name = parse(Name, queryOf(req, "name"));
      const body = parse(ContainerCreateBody, req.body);
      return { status: 201, body: await app.createContainer(deps, actor(req), { ...(name ? { name } : {}), body }, timing) };
    }),
    route("GET", "/containers/json", async (req) => {
      const filters = parseFilters(req.query.get("filters"), CONTAINER_FILTERS, CONTAINER_FILTER_VALUES);
      return { status: 200, body: app.listContainers(deps, filters, flag(req, "all")) };
    }),
    route("GET", "/containers/:id/json", async (req) => ({ status: 200, body: app.inspectContainer(deps, req.params.id!) })),
    route("POST", "/containers/:id/start", async (req) => changed(await app.startContainer(deps, actor(req), req.params.id!, timing))),
    route("POST", "/containers/:id/stop", async (req) => changed(await app.stopContainer(deps, actor(req), req.params.id!, timing))),
    route("POST", "/containers/:id/kill", async (req) => {
      await app.killContainer(deps, actor(req), req.params.id!, parse(Signal, queryOf(req, "signal")), timing);
      return { status: 204 };
    }),
    route("GET", "/containers/:id/top", async (req) => ({ status: 200, body: await app.topContainer(deps, req.params.id!, parse(PsArgs, queryOf(req, "ps_args"))) })),
    route("POST", "/containers/:id/restart", async (req) => {
      await app.stopContainer(deps, actor(req), req.params.id!, timing);
      await app.startContainer(deps, actor(req), req.params.id!, timing);
      return { status: 204 };
    }),
    route("DELETE", "/containers/:id", async (req) => {
      await app.removeContainer(deps, actor(req), req.params.id!, flag(req, "force"));
      return { status: 204 };
    }),
    route("GET", "/containers/:id/logs", async (req) => {
      const q = logsQuery(req);
      const target = app.containerLogTarget(deps, req.params.id!);
      return {
        status: 200,
        stream: {
          contentType: MULTIPLEXED,
          run: (write: (chunk: Buffer) => Promise<void>, signal: AbortSignal) =>
            app.streamLogs(deps, target, q, { write: (pieces) => write(Buffer.concat(pieces.map(([s, text]) => encodeFrame(s, text)))) }, signal),
        },
      };
    }),
  ];
}
