import { z } from "zod";
import { QueryVersion, formatZodError } from "../../../schemas/index.js";
import { decideAndCommit } from "../../shared/reconcile/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import { type ClusterState, type PlannedEvent } from "../../shared/model/index.js";
import { decideRemoveNode, decideUpdateNode, NodeSpecRequest } from "../core/node-decide.js";
import { route, type Request, type Route } from "./http.js";
import { requestActor } from "../core/actor.js";
import type { RouteDeps } from "./routes.js";

/*
 * Node lifecycle routes (Docker Engine API): `POST /nodes/{id}/update?version=N` with a NodeSpec
 * → NodeUpdated; `DELETE /nodes/{id}[?force=true]` → NodeRemoved. Same contract as every write:
 * parse, decide on the projection, append with expectations, answer after the projection applied it.
 */

const Version = QueryVersion;
const Force = z.enum(["true", "false", "1", "0", ""], { error: "force: must be true or false" });

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidArgument(formatZodError(r.error));
  return r.data;
}

export function nodeRoutes(deps: RouteDeps): Route[] {
  const { store, informer } = deps;
  const commit = (req: Request, decide: (s: ClusterState) => PlannedEvent[]) =>
    decideAndCommit(store, informer, decide, () => ({ actor: requestActor(req.remoteAddress, deps.instanceId ?? "api"), now: deps.now() }));

  return [
    route("POST", "/nodes/:id/update", async (req) => {
      const version = parse(Version, req.query.get("version") ?? undefined);
      const spec = parse(NodeSpecRequest, req.body);
      const requestId = randomId();
      await commit(req, (s) => decideUpdateNode(s, req.params.id!, version, spec, requestId));
      return { status: 200 };
    }),
    route("DELETE", "/nodes/:id", async (req) => {
      const force = parse(Force, req.query.get("force") ?? "false");
      const requestId = randomId();
      await commit(req, (s) => decideRemoveNode(s, req.params.id!, force === "true" || force === "1", requestId));
      return { status: 200 };
    }),
  ];
}
