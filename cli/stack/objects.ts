import type { NetworkCreateRequest } from "../../schemas/network-api.js";
import type { ObjectCreateRequest } from "../../schemas/secret-api.js";
import type { ServiceSpec } from "../../schemas/index.js";

/*
 * A stack as the compose loader (`compose.ts`) hands it to `stack deploy` (`cli/commands/stack.ts`):
 * every object already named and labelled as docker names them (`<stack>_<name>`, label
 * `com.docker.stack.namespace=<stack>`), each body exactly what the api's create route takes.
 * External objects are only named: deploy checks they exist and never creates or removes them.
 */

export const NAMESPACE_LABEL = "com.docker.stack.namespace";
/** docker's label on a stack's services naming the image as written in the file (`com.docker.stack.image`). */
export const IMAGE_LABEL = "com.docker.stack.image";

export interface StackNetwork { name: string; external: boolean; create?: NetworkCreateRequest }
export interface StackObject { name: string; external: boolean; create?: ObjectCreateRequest }

export interface StackObjects {
  namespace: string;
  /** Service name (`<stack>_<svc>`) → the body of `POST /services/create` (labels included). */
  services: { name: string; spec: ServiceSpec }[];
  networks: StackNetwork[];
  secrets: StackObject[];
  configs: StackObject[];
  /** What the loader ignored as docker ignores it (docker prints these to stderr): shown, never fatal. */
  warnings?: string[];
}

/** What the loader is given: files in order (later override earlier), the environment for interpolation. */
export interface LoadOptions {
  files: string[];
  namespace: string;
  env: Record<string, string | undefined>;
}

/**
 * A compose problem, naming the file, the line (when known) and the key path, e.g.
 * `compose.yml:12: services.web.deploy.replicas: must be an integer`.
 */
export class ComposeError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, readonly key: string, detail: string) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${key ? `${key}: ` : ""}${detail}`);
    this.name = "ComposeError";
  }
}
