import { z } from "zod";
import { aggregate } from "./entry.js";

/*
 * Bearer tokens of the api (DESIGN §6, issue #15): `swarm token create NAME` shows the token once;
 * the log records only its SHA-256 (a token is 256 random bits: a plain hash cannot be guessed
 * back, unlike a user's secret). The actor of a request that presents it is `token:<name>`.
 */

export const ApiTokenCreated = z.object({ tokenId: z.string(), name: z.string(), hash: z.string() });
export const ApiTokenRemoved = z.object({ tokenId: z.string() });

export const APITOKEN_EVENTS = aggregate("apitoken", "tokenId", {
  ApiTokenCreated: { data: ApiTokenCreated, producer: "api", actsFor: "user" },
  ApiTokenRemoved: { data: ApiTokenRemoved, producer: "api", actsFor: "user" },
});
