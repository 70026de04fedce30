import type { Actor } from "../../../schemas/index.js";
import { caView, decideStartCaRotation, type CaView } from "../core/ca-decide.js";
import { commitAs, fresh, stateOf, type AppDeps } from "./context.js";

/*
 * `swarm ca --rotate`: the secret-store makes the new root (it keeps the key), the api records the
 * start; the secret-store instances then move every node and complete it (shell/ca-rotation.ts).
 */

export async function rotateCa(deps: AppDeps, actor: Actor, req: { caCert?: string; caKey?: string }): Promise<CaView> {
  const f = fresh();
  const root = await deps.keys.rotateCa(req);
  await commitAs(deps, actor, (s) => decideStartCaRotation(s, root, f));
  return caView(stateOf(deps));
}

export function caRotation(deps: AppDeps): CaView {
  return caView(stateOf(deps));
}
