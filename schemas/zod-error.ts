import type { z } from "zod";

/** `TaskTemplate.ContainerSpec.Image: required; Name: name must be valid as a DNS name component` */
export function formatZodError(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const path = i.path.map(String).join(".");
      if (i.code === "unrecognized_keys") {
        const keys = (i as { keys?: string[] }).keys ?? [];
        return keys.map((k) => `${path ? path + "." : ""}${k}: unknown field`).join("; ");
      }
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join("; ");
}
