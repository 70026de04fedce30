import { z } from "zod";

/*
 * Secrets and configs on the api's HTTP surface, in the Docker Engine API's shape (1.41
 * `/secrets`, `/configs`), plus jetswarm's payload versions. A secret's data is never answered.
 */

/** Standard base64 with padding, as the Engine API sends `Data` (Go's encoding/json for []byte). */
export const Base64 = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, "must be base64");

/** `POST /secrets/create` and `POST /configs/create` (Docker's SecretSpec / ConfigSpec). */
export const ObjectCreateRequest = z.strictObject({
  Name: z.string({ error: "required" }),
  Labels: z.record(z.string(), z.string()).nullish(),
  Data: Base64.optional(),
  /** Docker sends null or omits it; jetswarm has no secret drivers or template drivers to offer. */
  Driver: z.null({ error: "secret drivers are not supported" }).optional(),
  Templating: z.null({ error: "template drivers are not supported" }).optional(),
});
export type ObjectCreateRequest = z.infer<typeof ObjectCreateRequest>;

/** `POST /jetswarm/secrets/{id}/rotate` and `/jetswarm/configs/{id}/rotate`: the new payload. */
export const RotateRequest = z.strictObject({ Data: Base64.optional() });
export type RotateRequest = z.infer<typeof RotateRequest>;

/** `{Version, Size, CreatedAt}` of each payload version, oldest first (jetswarm's). */
export const PayloadVersion = z.object({ Version: z.number(), Size: z.number(), CreatedAt: z.string() });

const ObjectMeta = {
  ID: z.string(),
  Version: z.object({ Index: z.number() }),
  CreatedAt: z.string(),
  UpdatedAt: z.string(),
  Versions: z.array(PayloadVersion),
};

export const Secret = z.object({ ...ObjectMeta, Spec: z.object({ Name: z.string(), Labels: z.record(z.string(), z.string()) }) });
export type Secret = z.infer<typeof Secret>;

/** A config shows its data (base64) in inspect; lists leave it out. */
export const Config = z.object({
  ...ObjectMeta,
  Spec: z.object({ Name: z.string(), Labels: z.record(z.string(), z.string()), Data: z.string().optional() }),
});
export type Config = z.infer<typeof Config>;

/** The payload version a rotate recorded, and the services it moved to that version (ids), which now roll. */
export const RotateResponse = z.object({ ID: z.string(), Version: z.number(), Services: z.array(z.string()) });
export type RotateResponse = z.infer<typeof RotateResponse>;
