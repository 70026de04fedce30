import { z } from "zod";
import { aggregate } from "./entry.js";

/*
 * Secrets and configs (DESIGN §6): metadata only. The payload is encrypted by the secret-store and
 * kept in its KV bucket; the log records its size and an HMAC keyed by the secret-store (a plain
 * hash of a weak secret could be guessed from the log). `version` is the payload's version:
 * 1 at create, +1 at each rotate.
 */

const Labels = z.record(z.string(), z.string());
const PayloadVersion = {
  version: z.number().int().positive(),
  size: z.number().int().nonnegative(),
  hmac: z.string(),
};

export const SecretCreated = z.object({ secretId: z.string(), name: z.string(), labels: Labels, ...PayloadVersion });
/** `secret rotate`: a new payload version (the api then moves unpinned services to it). */
export const SecretRotated = z.object({ secretId: z.string(), ...PayloadVersion });
/** `name`: the secret's, so a reader of the log from a later point (Docker's `events --since`) can name it; absent in older events. */
export const SecretRemoved = z.object({ secretId: z.string(), name: z.string().optional() });

export const SECRET_EVENTS = aggregate("secret", "secretId", {
  SecretCreated: { data: SecretCreated, producer: "api", actsFor: "user" },
  SecretRotated: { data: SecretRotated, producer: "api", actsFor: "user" },
  SecretRemoved: { data: SecretRemoved, producer: "api", actsFor: "user" },
});

export const ConfigCreated = z.object({ configId: z.string(), name: z.string(), labels: Labels, ...PayloadVersion });
export const ConfigRotated = z.object({ configId: z.string(), ...PayloadVersion });
/** `name`: as SecretRemoved's. */
export const ConfigRemoved = z.object({ configId: z.string(), name: z.string().optional() });

export const CONFIG_EVENTS = aggregate("config", "configId", {
  ConfigCreated: { data: ConfigCreated, producer: "api", actsFor: "user" },
  ConfigRotated: { data: ConfigRotated, producer: "api", actsFor: "user" },
  ConfigRemoved: { data: ConfigRemoved, producer: "api", actsFor: "user" },
});
