import { z } from "zod";
import { formatZodError } from "../../../schemas/index.js";
import { invalidArgument } from "../../shared/errors/index.js";
import type { Request } from "./http.js";

/** Parse at the edge: a failure is a 400 naming the field, and nothing is appended. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidArgument(formatZodError(r.error));
  return r.data;
}

/** A query parameter; undefined when absent. */
export const queryOf = (req: Request, key: string): string | undefined => req.query.get(key) ?? undefined;
