import { errorMessage } from "../shared/errors/index.js";
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
import { serveAutolock, unlockFromSibling } from "./shell/autolock-rpc.js";
import { Keyring } from "./shell/keyring.js";

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
  // The keys at rest, wrapped by the unlock key while autolock is on: then this instance starts
  // locked — it follows the log and answers autolock's rpcs, and serves nothing else until unlocked.
  const keyring = new Keyring(opts.keysDir);
  // Locked at start: a sibling of this keys dir still running (this process alone restarted) has the key.
  await unlockFromSibling({ nc: deps.nc, log: deps.log, keyring });
  // Tasks (who may receive what), secrets and configs (which versions exist), nodes and the cluster
  // (whose certificate is signed, with which role; who the bus's auth callout admits): nothing else.
  const informer = new Informer(deps.store, { ...deps.projection, slices: ["task", "secret", "config", "node", "cluster"], log: deps.log });
  const handlers: { stop(): Promise<void> }[] = [];
  const vaultOpts = { keysDir: opts.keysDir, replicas: opts.replicas, keyring };
  // The key first: an instance without the cluster's KEK refuses to start before it serves anything.
  let vault = keyring.locked ? undefined : await openVault(deps.nc, vaultOpts);
  await informer.start();
  if (deps.onFatal) informer.onFailed(deps.onFatal);
  let opening: Promise<void> | undefined;
  const serveKeys = () => opening ??= (async () => {
    vault ??= await openVault(deps.nc, vaultOpts);
    const ctx: SecretStoreContext = { deps, nc: deps.nc, log: deps.log, informer, vault };
    handlers.push(
      servePayloadRpc(ctx),
      serveDeliver(ctx, opts.deliver),
      serveCa(ctx, opts.keysDir, keyring),
      serveCaRotation(ctx, opts.keysDir, opts.caRotation, keyring),
      serveHandover(ctx, opts.keysDir, keyring),
      await serveBusAuthorization({ ...ctx, instanceId: deps.instanceId }, { ...opts, keyring }),
    );
    deps.log.info("serving", { seq: informer.seq });
  })();
  if (!keyring.locked) await serveKeys();
  handlers.push(serveAutolock({ nc: deps.nc, log: deps.log, keyring, onUnlocked: serveKeys }));
  if (keyring.locked) deps.log.warn("locked: autolock is on; nothing is signed, served or admitted until `swarm unlock`");
  // A `swarm unlock` sent while this instance was starting (before it served the rpcs above) went
  // to its siblings only: while locked, it asks them again, at once and then every second, so one
  // instance left locked beside unlocked ones (answering `status` as locked) does not last.
  let stopped = false;
  let siblingTimer: NodeJS.Timeout | undefined;
  const askSiblings = async (): Promise<void> => {
    siblingTimer = undefined;
    if (!keyring.locked || stopped) return;
    try {
      if (await unlockFromSibling({ nc: deps.nc, log: deps.log, keyring })) await serveKeys();
    } catch (err) {
      deps.log.warn("unlocked by a sibling, but the keys could not be served", { err: errorMessage(err) });
    }
    if (keyring.locked && !stopped) siblingTimer = setTimeout(() => void askSiblings(), 1_000);
  };
  if (keyring.locked) void askSiblings();
  handlers.push({ stop: async () => { stopped = true; if (siblingTimer) clearTimeout(siblingTimer); } });
  return {
    status: () => ({ seq: informer.seq }),
    stop: async () => {
      for (const h of handlers) await h.stop();
      await informer.stop();
    },
  };
}
