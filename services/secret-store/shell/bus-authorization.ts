import { join } from "node:path";
import { connectNats } from "../../shared/nats/index.js";
import { serveAuthCallout } from "./auth-callout.js";
import type { SecretStoreContext } from "./context.js";
import { kickOnRemoval } from "./kick.js";
import type { Keyring } from "./keyring.js";

/**
 * The bus side of the secret-store (DESIGN §6): the auth callout on the service's connection, and
 * a connection in the system account (identity `sys-secret-store`) that closes removed nodes'
 * connections. Nothing on an insecure bus (no callout key in the keys dir).
 */
export async function serveBusAuthorization(
  ctx: Pick<SecretStoreContext, "nc" | "log" | "informer"> & { instanceId: string },
  opts: { keysDir?: string; natsUrl?: string; keyring?: Keyring },
): Promise<{ stop(): Promise<void> }> {
  const callout = serveAuthCallout({ nc: ctx.nc, log: ctx.log, informer: ctx.informer }, opts.keysDir, opts.keyring);
  if (!opts.keysDir || !callout.serving) return callout;
  const bus = join(opts.keysDir, "bus");
  const sys = await connectNats({
    url: opts.natsUrl ?? "nats://127.0.0.1:4222", name: `${ctx.instanceId}-sys`,
    tls: { cert: join(bus, "sys-secret-store.crt"), key: join(bus, "sys-secret-store.key"), ca: join(opts.keysDir, "ca.crt") },
  });
  const kicker = kickOnRemoval(ctx, sys, callout.admitted);
  return {
    stop: async () => {
      kicker.stop();
      await callout.stop();
      await sys.close();
    },
  };
}
