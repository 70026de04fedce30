import { Informer } from "../shared/projection/index.js";
import { type ServiceDeps } from "../shared/runtime/index.js";

/*
 * The secret-store (DESIGN §1, §6): owns every key at rest. Each rpc handler lives in its own file
 * under shell/ and is started below, one line each, on the shared context.
 */

export interface SecretStoreOptions {
  /** Directory of the manager's key material (`SWARM_KEYS_DIR`, `<dataDir>/keys`). Required. */
  keysDir?: string;
}

export interface RunningSecretStore {
  stop(): Promise<void>;
  /** For membership: the projection's last applied sequence. */
  status(): { seq: number };
}

export async function start(deps: ServiceDeps, opts: SecretStoreOptions = {}): Promise<RunningSecretStore> {
  void opts;
  // Tasks (who may receive what), secrets and configs (which versions exist): nothing else.
  const informer = new Informer(deps.store, { ...deps.projection, slices: ["task", "secret", "config"], log: deps.log });
  await informer.start();
  if (deps.onFatal) informer.onFailed(deps.onFatal);
  const handlers: { stop(): Promise<void> }[] = [];
  // ── handlers: one line each (h-pki: shell/ca.ts, h-bus: shell/auth-callout.ts) ──
  deps.log.info("serving", { seq: informer.seq });
  return {
    status: () => ({ seq: informer.seq }),
    stop: async () => {
      for (const h of handlers) await h.stop();
      await informer.stop();
    },
  };
}
