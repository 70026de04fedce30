import type { ApiTokenView, ClusterState, PlannedEvent } from "../../shared/model/index.js";
import { alreadyExists, invalidArgument, notFound } from "../../shared/errors/index.js";
import { plan, versionOf } from "../../shared/model/index.js";
import { subjects } from "../../../schemas/index.js";
import { requireCluster } from "./decide.js";

/*
 * Bearer tokens of the api (`swarm token create|ls|rm`). The shell draws the token and hashes it;
 * the decider only checks the name and records the hash.
 */

/** Like a Docker object name: it becomes the actor `token:<name>` of every event the token makes. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

export const API_TOKEN_MESSAGES = {
  badName: (name: string) => `token name "${name.slice(0, 100)}" is invalid: use 1-63 letters, digits, "_", "." or "-", starting with a letter or digit`,
  exists: (name: string) => `rpc error: code = AlreadyExists desc = api token ${name} already exists`,
  notFound: (ref: string) => `api token ${ref.slice(0, 100)} not found`,
} as const;

export function liveApiTokens(state: ClusterState): ApiTokenView[] {
  return [...state.apiTokens.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** By exact id, then by name. */
export function findApiToken(state: ClusterState, ref: string): ApiTokenView | undefined {
  return state.apiTokens.get(ref) ?? [...state.apiTokens.values()].find((t) => t.name === ref);
}

export function decideCreateApiToken(
  state: ClusterState, req: { name: string; tokenId: string; hash: string }, requestId: string,
): PlannedEvent[] {
  requireCluster(state);
  if (!NAME.test(req.name)) throw invalidArgument(API_TOKEN_MESSAGES.badName(req.name));
  if (findApiToken(state, req.name)) throw alreadyExists(API_TOKEN_MESSAGES.exists(req.name));
  const data = { tokenId: req.tokenId, name: req.name, hash: req.hash };
  return [plan("ApiTokenCreated", "apitoken", req.tokenId, data, 0, `token-create:${requestId}`)];
}

export function decideRemoveApiToken(state: ClusterState, ref: string, requestId: string): PlannedEvent[] {
  const t = findApiToken(state, ref);
  if (!t) throw notFound(API_TOKEN_MESSAGES.notFound(ref));
  const expect = versionOf(state, subjects.event("apitoken", t.id));
  return [plan("ApiTokenRemoved", "apitoken", t.id, { tokenId: t.id }, expect, `token-rm:${requestId}`)];
}
