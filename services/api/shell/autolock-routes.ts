import { UnlockRequest } from "../../../schemas/api.js";
import { SwarmError } from "../../shared/errors/index.js";
import * as app from "../app/index.js";
import { route, type Route } from "./http.js";
import { parse } from "./parse.js";
import { JETSWARM_PREFIX } from "./jetswarm-routes.js";

/*
 * Autolock's routes (Docker's `/swarm/unlock`, `/swarm/unlockkey`; jetswarm's `/jetswarm/autolock`)
 * and the gate in front of every other route: while this manager's keys are locked, the api
 * answers Swarm's "Swarm is encrypted and needs to be unlocked…" (503) to everything but these,
 * `/_ping` and the CA a joiner checks — so `node ls` says why instead of answering from a manager
 * that cannot sign, serve a secret or admit a node.
 */

/** How long one answer of the secret-store's lock status is trusted, ms. */
const STATUS_TTL_MS = 1_000;

export function autolockRoutes(deps: app.AppDeps): Route[] {
  return [
    route("POST", "/swarm/unlock", async (req) => {
      await app.unlock(deps, parse(UnlockRequest, req.body).UnlockKey);
      return { status: 200 };
    }),
    route("GET", `${JETSWARM_PREFIX}/autolock`, async () => ({ status: 200, body: await app.autolockStatus(deps) })),
  ];
}

/** `GET /swarm/unlockkey` (rotation is Docker's `POST /swarm/update?rotateManagerUnlockKey=true`, in routes.ts). */
export function unlockKeyRoutes(deps: app.AppDeps): Route[] {
  return [route("GET", "/swarm/unlockkey", async () => ({ status: 200, body: await app.unlockKey(deps) }))];
}

/** Paths served while locked: the ping, the CA a joiner pins (public), and autolock's own. */
function servedWhileLocked(r: Route): boolean {
  const probe = (method: string, path: string) => r.method === method && r.pattern.test(path);
  return probe("GET", "/_ping") || probe("HEAD", "/_ping") || probe("GET", `${JETSWARM_PREFIX}/ca`) || probe("POST", "/swarm/unlock") || probe("GET", `${JETSWARM_PREFIX}/autolock`);
}

/** Every route but those served while locked refuses while this manager's keys are locked. */
export function gateLocked(deps: app.AppDeps, routes: Route[]): Route[] {
  let cached: { at: number; locked: boolean } | undefined;
  const locked = async (): Promise<boolean> => {
    // Autolock off in the log (the common case): no question asked.
    if (deps.informer.state.cluster?.autolockKeyCheck === undefined) return false;
    const now = Date.now();
    if (cached && now - cached.at < STATUS_TTL_MS) return cached.locked;
    cached = { at: now, locked: (await app.autolockStatus(deps)).Locked };
    return cached.locked;
  };
  return routes.map((r) => servedWhileLocked(r) ? r : {
    ...r,
    handler: async (req) => {
      if (await locked()) throw new SwarmError("unavailable", app.AUTOLOCK_MESSAGES.locked);
      return r.handler(req);
    },
  });
}
