import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUCKETS, subjects } from "../../schemas/index.js";
import { ensureBucket, type NatsConnection } from "../../services/shared/nats/index.js";
import { createLogger } from "../../services/shared/telemetry/index.js";
import type { EventStore } from "../../services/shared/model/index.js";
import { start, type RunningSecretStore } from "../../services/secret-store/index.js";
import { createRootCa, writeKeyFile } from "../../services/shared/pki/index.js";

/*
 * For tests of the secret-store's callers (api, CLI): a real secret-store with its own keys dir
 * (and cluster CA), what its bucket holds, and which requests were sent to it.
 */

export interface TestSecretStore {
  /** Stops the running instance (a stopped store answers nothing: "no responders"). */
  stop(): Promise<void>;
  /** Starts it again with the same keys. */
  restart(): Promise<void>;
  /** Stops it and removes its keys dir. */
  cleanup(): Promise<void>;
}

export async function startTestSecretStore(nc: NatsConnection, store: EventStore): Promise<TestSecretStore> {
  const keysDir = await mkdtemp(join(tmpdir(), "secret-store-keys-"));
  // The cluster CA the launcher creates at the first `swarm up`: with it the secret-store also
  // answers init's and join's CA requests (join tokens, node certificates).
  const ca = await createRootCa();
  writeKeyFile(join(keysDir, "ca.key"), ca.keyPem);
  writeKeyFile(join(keysDir, "ca.crt"), ca.certPem);
  const log = createLogger("secret-store-test", process.env.TEST_LOG === "1" ? "debug" : "silent");
  const run = () => start({ nc, store, log, instanceId: "secret-store-test" }, { keysDir });
  let running: RunningSecretStore | undefined = await run();
  const stop = async () => { await running?.stop(); running = undefined; };
  return {
    stop,
    restart: async () => { await stop(); running = await run(); },
    cleanup: async () => { await stop(); await rm(keysDir, { recursive: true, force: true }); },
  };
}

/** Keys in `swarm-secrets` (`<kind>.<id>.<version>`) that contain `part` (all keys for ""), sorted. */
export async function storedKeysOf(nc: NatsConnection, part: string): Promise<string[]> {
  const kv = await ensureBucket(nc, BUCKETS.secrets, { ttlMs: 0 });
  const out: string[] = [];
  for await (const k of await kv.keys()) if (k.includes(part)) out.push(k);
  return out.sort();
}

export const storedKeys = (nc: NatsConnection) => storedKeysOf(nc, "");

/**
 * Every request sent to the secret-store's api-facing rpc (`put secret <id> <version>`, `delete …`,
 * `read …`), seen by a plain subscription beside the store's queue group (it answers nothing).
 */
export function watchSecretStore(nc: NatsConnection): { calls: string[]; stop(): void } {
  const calls: string[] = [];
  const subs = [subjects.secretStorePut, subjects.secretStoreDelete, subjects.secretStoreRead].map((subject) =>
    nc.subscribe(subject, {
      callback: (_err, msg) => {
        const m = JSON.parse(msg.headers?.get("Swarm-Meta") || "{}") as { kind?: string; id?: string; version?: number };
        calls.push([subject.split(".").pop(), m.kind ?? "config", m.id, m.version].filter((x) => x !== undefined).join(" "));
      },
    }));
  return { calls, stop: () => subs.forEach((s) => s.unsubscribe()) };
}
