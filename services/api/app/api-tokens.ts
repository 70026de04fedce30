import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Actor } from "../../../schemas/index.js";
import { randomId } from "../../shared/eventlog/index.js";
import type { ClusterState } from "../../shared/model/index.js";
import { decideCreateApiToken, decideRemoveApiToken, findApiToken, liveApiTokens } from "../core/api-token-decide.js";
import { commitAs, stateOf, type AppDeps } from "./context.js";

/*
 * Bearer tokens of the api: `SWTKN-1-<token id>-<64 hex>`. The id lets the api find the one
 * recorded hash to compare with (in constant time); the 256-bit secret is shown once and never
 * recorded: the log keeps only the SHA-256 of the whole token.
 */

const FORMAT = /^SWTKN-1-([a-z0-9]{1,40})-([0-9a-f]{64})$/;

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();

export interface ApiTokenRow { ID: string; Name: string; CreatedAt: string }
export interface CreatedApiToken extends ApiTokenRow { Token: string }

/** `swarm token create NAME`: records the hash, answers the token (the only time it is shown). */
export async function createApiToken(deps: AppDeps, actor: Actor, req: { Name: string }): Promise<CreatedApiToken> {
  const tokenId = randomId();
  const token = `SWTKN-1-${tokenId}-${randomBytes(32).toString("hex")}`;
  const hash = sha256(token).toString("hex");
  await commitAs(deps, actor, (s) => decideCreateApiToken(s, { name: req.Name, tokenId, hash }, tokenId));
  const view = stateOf(deps).apiTokens.get(tokenId);
  return { ID: tokenId, Name: req.Name, CreatedAt: view?.createdAt ?? deps.now().toISOString(), Token: token };
}

export function listApiTokens(deps: AppDeps): ApiTokenRow[] {
  return liveApiTokens(stateOf(deps)).map((t) => ({ ID: t.id, Name: t.name, CreatedAt: t.createdAt }));
}

export async function removeApiToken(deps: AppDeps, actor: Actor, ref: string): Promise<void> {
  await commitAs(deps, actor, (s) => decideRemoveApiToken(s, ref, randomId()));
}

/**
 * The name of the live token `presented` is, or why it is refused. Hashes are compared in
 * constant time; the answer does not say whether the id or the secret was wrong.
 */
export function checkApiToken(state: ClusterState, presented: string): { name: string } | { refused: string } {
  const m = FORMAT.exec(presented);
  if (!m) return { refused: "the bearer token is malformed (expected SWTKN-1-…, as `swarm token create` prints it)" };
  const view = findApiToken(state, m[1]!);
  const want = view ? Buffer.from(view.hash, "hex") : sha256("no such token");
  const ok = timingSafeEqual(sha256(presented), want.length === 32 ? want : sha256("bad hash"));
  if (!view || !ok || view.id !== m[1]) return { refused: "unknown or removed bearer token" };
  return { name: view.name };
}
