import { z } from "zod";
import { formatZodError } from "../../../schemas/index.js";
import { invalidArgument } from "../errors/index.js";

/** Settings every control-plane process reads from its environment. */
export const BaseConfig = z.object({
  /** NATS server URLs, comma-separated. */
  SWARM_NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** This process's instance id (defaults to `<service>-<pid>`). */
  SWARM_INSTANCE_ID: z.string().optional(),
  /** Stream replicas: 1 on one machine, 3 on a NATS cluster. */
  SWARM_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

/** Parses `env` with `schema`; a failure names each variable that is wrong. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const r = schema.safeParse(env);
  if (!r.success) throw invalidArgument(`bad environment: ${formatZodError(r.error)}`);
  return r.data;
}
