import type { NatsConnection } from "@nats-io/transport-node";
import type { Informer } from "../../shared/projection/index.js";
import type { ServiceDeps } from "../../shared/runtime/index.js";
import type { Logger } from "../../shared/telemetry/index.js";
import type { Vault } from "./vault.js";

/** What every secret-store handler works with: the connection, the projection, the ciphertexts. */
export interface SecretStoreContext {
  deps: ServiceDeps;
  nc: NatsConnection;
  log: Logger;
  informer: Informer;
  vault: Vault;
}
