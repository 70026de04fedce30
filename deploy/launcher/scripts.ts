import { fileURLToPath } from "node:url";

/** The compiled entry point of a service (`dist/services/<name>/main.js`). */
export function serviceScript(name: string): string {
  return fileURLToPath(new URL(`../../services/${name}/main.js`, import.meta.url));
}
