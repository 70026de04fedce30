import { Informer } from "../shared/projection/index.js";
import { type ServiceDeps } from "../shared/runtime/index.js";
import { serveCa } from "./shell/ca.js";
import { serveCaRotation, type CaRotationOptions } from "./shell/ca-rotation.js";
import type { SecretStoreContext } from "./shell/context.js";
import { serveDeliver, type DeliverOptions } from "./shell/deliver.js";
import { serveHandover } from "./shell/handover.js";
import { servePayloadRpc } from "./shell/payload-rpc.js";
import { openVault } from "./shell/vault.js";
import { serveBusAuthorization } from "./shell/bus-authorization.js";

/*
 * The secret-store (DESIGN §1, §6): owns every key at rest. Stateless besides KV `swarm-secrets`
 * and the KEK file, so any number of instances answer side by side (queue group `secret-store`).
 * Each rpc handler lives in its own file under shell/ and is started below, one line each.
 */

export interface SecretStoreOptions {
  /** Directory of the manager's key material (`SWARM_KEYS_DIR`, `<dataDir>/keys`). Required. */
  keysDir?: string;
  /** Stream replicas for a new bucket. Default: as many as `EVENTS` has. */
  replicas?: number;
  deliver?: DeliverOptions;
  caRotation?: CaRotationOptions;
  /** NATS URLs, for the system-account connection that closes removed nodes' connections (secured bus only). */
  natsUrl?: string;
}

export interface RunningSecretStore {
  stop(): Promise<void>;
  /** For membership: the projection's last applied sequence. */
  status(): { seq: number };
}

export async function start(deps: ServiceDeps, opts: SecretStoreOptions = {}): Promise<RunningSecretStore> {
  // The key first: an instance without the cluster's KEK refuses to start before it serves anything.
  const vault = await openVault(deps.nc, { keysDir: opts.keysDir, replicas: opts.replicas });
  // Tasks (who may receive what), secrets and configs (which versions exist), nodes and the cluster
  // (whose certificate is signed, with which role; who the bus's auth callout admits): nothing else.
  const informer = new Informer(deps.store, { ...deps.projection, slices: ["task", "secret", "config", "node", "cluster"], log: deps.log });
  await informer.start();
  if (deps.onFatal) informer.onFailed(deps.onFatal);
  const ctx: SecretStoreContext = { deps, nc: deps.nc, log: deps.log, informer, vault };
  const handlers: { stop(): Promise<void> }[] = [
    servePayloadRpc(ctx),
    serveDeliver(ctx, opts.deliver),
    serveCa(ctx, opts.keysDir),
    serveCaRotation(ctx, opts.keysDir, opts.caRotation),
    serveHandover(ctx, opts.keysDir),
    await serveBusAuthorization({ ...ctx, instanceId: deps.instanceId }, opts),
  ];
  deps.log.info("serving", { seq: informer.seq });
  return {
    status: () => ({ seq: informer.seq }),
    stop: async () => {
      for (const h of handlers) await h.stop();
      await informer.stop();
    },
  };
}
